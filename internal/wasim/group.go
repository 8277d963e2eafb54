package wasim

import (
	"slices"
	"strconv"
	"sync"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// group is a simulated group: its subject and members (simulated phones).
type group struct {
	id      string // user part of <id>@g.us
	creator *Phone
	created time.Time

	mode types.AddressingMode // pn or lid

	mu      sync.Mutex
	subject string
	members []*Phone
}

func (g *group) addressingMode() types.AddressingMode {
	if g.mode == "" {
		return types.AddressingModePN
	}
	return g.mode
}

func (g *group) jid() types.JID { return types.NewJID(g.id, types.GroupServer) }

func (g *group) memberPhones() []*Phone {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.members)
}

func (s *Server) group(id string) *group {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.groups[id]
}

// CreateGroup creates a group with this phone as its creator and admin and
// the given members (numbers or JIDs of simulated phones). Every linked
// device of every member learns about it through a w:gp2 create
// notification (whatsmeow: events.JoinedGroup). It returns the group JID.
func (p *Phone) CreateGroup(subject string, members ...string) (types.JID, error) {
	all := []*Phone{p}
	for _, m := range members {
		jid, err := parseChat(m)
		if err != nil {
			return types.JID{}, err
		}
		mp := p.s.phoneByJID(jid)
		if mp == nil {
			return types.JID{}, ErrUnknownPhone
		}
		if !slices.Contains(all, mp) {
			all = append(all, mp)
		}
	}
	g := &group{creator: p, created: time.Now(), subject: subject, members: all}
	if p.lidMode.Load() {
		g.mode = types.AddressingModeLID
	}
	p.s.mu.Lock()
	for {
		g.id = "120363" + strconv.FormatUint(uint64(randomUint32())*100000+uint64(randomUint32()%100000), 10)
		if p.s.groups[g.id] == nil {
			break
		}
	}
	p.s.groups[g.id] = g
	p.s.mu.Unlock()
	id := randomID(8)
	attrs := waBinary.Attrs{
		"from": g.jid(), "type": "w:gp2", "id": id, "t": strconv.FormatInt(g.created.Unix(), 10),
		"participant": p.JID(), "participant_lid": p.LID(), "notify": p.PushName(),
	}
	if g.mode == types.AddressingModeLID {
		attrs["participant"], attrs["participant_pn"], attrs["addressing_mode"] = p.LID(), p.JID(), string(g.mode)
		delete(attrs, "participant_lid")
	}
	n := waBinary.Node{Tag: "notification", Attrs: attrs, Content: []waBinary.Node{{Tag: "create", Attrs: waBinary.Attrs{"type": "new", "key": p.JID().String() + "-" + id, "reason": "create"},
		Content: []waBinary.Node{g.node()}}}}
	for _, m := range all {
		for _, d := range m.linked() {
			d.deliver(id, n)
		}
	}
	return g.jid(), nil
}

// node is the <group> element of group info answers and notifications.
func (g *group) node() waBinary.Node {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := strconv.FormatInt(g.created.Unix(), 10)
	lid := g.addressingMode() == types.AddressingModeLID
	parts := make([]waBinary.Node, 0, len(g.members))
	for _, m := range g.members {
		a := waBinary.Attrs{"jid": m.JID(), "lid": m.LID()}
		if lid {
			a = waBinary.Attrs{"jid": m.LID(), "phone_number": m.JID()}
		}
		if m == g.creator {
			a["type"] = "superadmin"
		}
		parts = append(parts, waBinary.Node{Tag: "participant", Attrs: a})
	}
	attrs := waBinary.Attrs{
		"id": g.id, "subject": g.subject, "s_t": t, "s_o": g.creator.JID(), "creation": t,
		"creator": g.creator.JID(), "size": strconv.Itoa(len(g.members)), "addressing_mode": string(g.addressingMode()),
	}
	if lid {
		attrs["s_o"], attrs["s_o_pn"] = g.creator.LID(), g.creator.JID()
		attrs["creator"], attrs["creator_pn"] = g.creator.LID(), g.creator.JID()
	}
	return waBinary.Node{Tag: "group", Attrs: attrs, Content: parts}
}

// groupIQ answers the w:g2 queries whatsmeow makes: one group's info (to
// send to it) and the list of joined groups.
func (s *Server) groupIQ(dev *device, iq, child *waBinary.Node) waBinary.Node {
	switch child.Tag {
	case "query":
		to, _ := iq.Attrs["to"].(types.JID)
		g := s.group(to.User)
		if g == nil {
			return iqError(iq, 404, "item-not-found")
		}
		if !slices.Contains(g.memberPhones(), dev.phone) {
			return iqError(iq, 403, "forbidden")
		}
		return iqResult(iq, g.node())
	case "participating":
		s.mu.Lock()
		all := make([]*group, 0, len(s.groups))
		for _, g := range s.groups {
			all = append(all, g)
		}
		s.mu.Unlock()
		var nodes []waBinary.Node
		for _, g := range all {
			if slices.Contains(g.memberPhones(), dev.phone) {
				nodes = append(nodes, g.node())
			}
		}
		return iqResult(iq, waBinary.Node{Tag: "groups", Content: nodes})
	}
	return iqResult(iq)
}

// adminPhones returns the group's admins: its creator.
func (g *group) adminPhones() []*Phone { return []*Phone{g.creator} }
