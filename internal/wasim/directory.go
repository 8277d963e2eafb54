package wasim

import (
	"encoding/binary"
	"strconv"
	"strings"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// usync answers a usync query: device lists and LIDs of simulated
// accounts, and contact lookups (whatsmeow IsOnWhatsApp: numbers as
// "+<number>@c.us", answered in LID addressing with the phone number in
// pn_jid). Numbers that no simulated phone has come back without devices,
// or "out" for contact lookups, as numbers that are not on WhatsApp do.
func (s *Server) usync(q *waBinary.Node) waBinary.Node {
	var wantDevices, wantLID, wantContact bool
	if query, ok := q.GetOptionalChildByTag("query"); ok {
		for _, c := range query.GetChildren() {
			switch c.Tag {
			case "devices":
				wantDevices = true
			case "lid":
				wantLID = true
			case "contact":
				wantContact = true
			}
		}
	}
	list, _ := q.GetOptionalChildByTag("list")
	users := make([]waBinary.Node, 0, len(list.GetChildren()))
	for _, u := range list.GetChildren() {
		if u.Tag != "user" {
			continue
		}
		jid, ok := u.Attrs["jid"].(types.JID)
		if !ok {
			if contact, found := u.GetOptionalChildByTag("contact"); found && wantContact {
				users = append(users, s.contactLookup(contact))
			}
			continue
		}
		out := waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}}
		p := s.phoneByJID(jid)
		var content []waBinary.Node
		if p != nil && wantDevices {
			devs := []waBinary.Node{{Tag: "device", Attrs: waBinary.Attrs{"id": "0"}}}
			for _, d := range p.linked() {
				devs = append(devs, waBinary.Node{Tag: "device", Attrs: waBinary.Attrs{"id": itoa(int(d.id)), "key-index": itoa(int(d.keyIndex))}})
			}
			content = append(content, waBinary.Node{Tag: "devices", Content: []waBinary.Node{{Tag: "device-list", Content: devs}}})
		}
		if p != nil && wantLID {
			content = append(content, waBinary.Node{Tag: "lid", Attrs: waBinary.Attrs{"val": p.LID()}})
		}
		if len(content) > 0 {
			out.Content = content
		}
		users = append(users, out)
	}
	attrs := waBinary.Attrs{}
	for _, k := range []string{"sid", "mode", "context", "index", "last"} {
		if v, ok := q.Attrs[k]; ok {
			attrs[k] = v
		}
	}
	return waBinary.Node{Tag: "usync", Attrs: attrs, Content: []waBinary.Node{
		{Tag: "result"}, {Tag: "list", Content: users},
	}}
}

// contactLookup answers one number of an IsOnWhatsApp query.
func (s *Server) contactLookup(contact waBinary.Node) waBinary.Node {
	var query string
	switch c := contact.Content.(type) {
	case []byte:
		query = string(c)
	case string:
		query = c
	}
	number := strings.TrimPrefix(strings.TrimSuffix(query, "@"+types.LegacyUserServer), "+")
	pn := types.NewJID(number, types.DefaultUserServer)
	out := waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"pn_jid": pn}}
	typ := "out"
	if p := s.phoneByJID(pn); p != nil && number != "" {
		typ = "in"
		out.Attrs["jid"] = p.LID()
	}
	out.Content = []waBinary.Node{{Tag: "contact", Attrs: waBinary.Attrs{"type": typ}, Content: []byte(query)}}
	return out
}

// preKeyBundles answers `encrypt get <key>`: the bundle of each requested
// device. Device 0 is the simulated phone (a fresh one-time prekey each
// time); companion devices hand out the prekeys they uploaded.
func (s *Server) preKeyBundles(key *waBinary.Node) waBinary.Node {
	var users []waBinary.Node
	for _, u := range key.GetChildren() {
		jid, ok := u.Attrs["jid"].(types.JID)
		if u.Tag != "user" || !ok {
			continue
		}
		out := waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}}
		p := s.phoneByJID(jid.ToNonAD())
		var d *device
		if p != nil && jid.Device != 0 {
			d = p.device(jid.Device)
		}
		switch {
		case p != nil && jid.Device == 0:
			p.mu.Lock()
			pk := p.newPreKeyLocked()
			p.mu.Unlock()
			out.Content = bundleNodes(p.regID, *p.identity.Pub, p.signed.KeyID, *p.signed.Pub, *p.signed.Signature, pk.KeyID, pk.Pub[:])
		case d != nil:
			var pkID uint32
			var pkPub []byte
			if k, ok := d.takePreKey(); ok {
				pkID, pkPub = k.id, k.pub[:]
			}
			out.Content = bundleNodes(d.regID, d.identity, d.skeyID, d.skeyPub, d.skeySig, pkID, pkPub)
		default:
			out.Content = []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": "404", "text": "item-not-found"}}}
		}
		users = append(users, out)
	}
	return waBinary.Node{Tag: "list", Content: users}
}

func keyID3(id uint32) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], id)
	return b[1:]
}

func bundleNodes(regID uint32, ident [32]byte, skeyID uint32, skeyPub [32]byte, skeySig [64]byte, pkID uint32, pkPub []byte) []waBinary.Node {
	var reg [4]byte
	binary.BigEndian.PutUint32(reg[:], regID)
	nodes := []waBinary.Node{
		{Tag: "registration", Content: reg[:]},
		{Tag: "type", Content: []byte{5}},
		{Tag: "identity", Content: ident[:]},
		{Tag: "skey", Content: []waBinary.Node{
			{Tag: "id", Content: keyID3(skeyID)},
			{Tag: "value", Content: skeyPub[:]},
			{Tag: "signature", Content: skeySig[:]},
		}},
	}
	if pkPub != nil {
		nodes = append(nodes, waBinary.Node{Tag: "key", Content: []waBinary.Node{
			{Tag: "id", Content: keyID3(pkID)},
			{Tag: "value", Content: pkPub},
		}})
	}
	return nodes
}

func itoa(i int) string { return strconv.Itoa(i) }
