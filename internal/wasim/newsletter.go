package wasim

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// ErrUnknownNewsletter is returned for a newsletter JID the server does
// not know.
var ErrUnknownNewsletter = errors.New("wasim: no such newsletter")

// Newsletter is a WhatsApp channel: its owner posts, the accounts that
// follow it get the posts in plaintext (channels are not end-to-end
// encrypted). Its methods are safe for concurrent use.
type Newsletter struct {
	s           *Server
	id          string // user part of <id>@newsletter
	name        string
	description string
	invite      string
	created     time.Time

	mu        sync.Mutex
	followers []*Phone
	posts     []newsletterPost
	serverID  int
}

type newsletterPost struct {
	serverID int
	id       string
	t        time.Time
	msg      *waE2E.Message
}

// NewsletterOptions describe a new channel.
type NewsletterOptions struct {
	Name        string
	Description string
}

// CreateNewsletter creates a channel. Phones follow it with
// Phone.FollowNewsletter; Newsletter.Post publishes to them.
func (s *Server) CreateNewsletter(o NewsletterOptions) *Newsletter {
	n := &Newsletter{s: s, name: o.Name, description: o.Description, created: time.Now(), invite: randomID(11), serverID: 100}
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		n.id = "120363" + strconv.FormatUint(uint64(randomUint32())*1000+uint64(randomUint32()%1000), 10)
		if s.newsletters[n.id] == nil {
			break
		}
	}
	s.newsletters[n.id] = n
	return n
}

// Newsletter returns the channel with this JID ("<id>@newsletter"), or
// nil.
func (s *Server) Newsletter(jid string) *Newsletter {
	j, err := types.ParseJID(jid)
	if err != nil || j.Server != types.NewsletterServer {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newsletters[j.User]
}

// JID returns the channel's JID, "<id>@newsletter".
func (n *Newsletter) JID() types.JID { return types.NewJID(n.id, types.NewsletterServer) }

func (n *Newsletter) isFollowedBy(p *Phone) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Contains(n.followers, p)
}

// FollowNewsletter makes the phone follow a channel, as "Follow" in the
// phone's Updates tab does: its linked devices get a mex notification
// (whatsmeow: events.NewsletterJoin) and, from then on, the channel's
// posts.
func (p *Phone) FollowNewsletter(jid string) error {
	n := p.s.Newsletter(jid)
	if n == nil {
		return ErrUnknownNewsletter
	}
	n.follow(p)
	return nil
}

func (n *Newsletter) follow(p *Phone) {
	n.mu.Lock()
	if slices.Contains(n.followers, p) {
		n.mu.Unlock()
		return
	}
	n.followers = append(n.followers, p)
	n.mu.Unlock()
	body, _ := json.Marshal(map[string]any{"data": map[string]any{"xwa2_notify_newsletter_on_join": n.metadata(p)}})
	id := randomID(8)
	note := waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
		"from": types.ServerJID, "type": "mex", "id": id, "t": strconv.FormatInt(time.Now().Unix(), 10),
	}, Content: []waBinary.Node{{Tag: "update", Attrs: waBinary.Attrs{"op_name": "NotificationNewsletterJoin"}, Content: body}}}
	for _, d := range p.linked() {
		d.deliver(id, note)
	}
}

func (n *Newsletter) unfollow(p *Phone) {
	n.mu.Lock()
	n.followers = slices.DeleteFunc(n.followers, func(f *Phone) bool { return f == p })
	n.mu.Unlock()
}

// metadata is the channel as WhatsApp's GraphQL (mex) answers describe it
// (whatsmeow types.NewsletterMetadata); viewer metadata when p follows it.
func (n *Newsletter) metadata(p *Phone) map[string]any {
	n.mu.Lock()
	count := len(n.followers)
	n.mu.Unlock()
	micros := strconv.FormatInt(n.created.UnixMicro(), 10)
	m := map[string]any{
		"id":    n.JID().String(),
		"state": map[string]any{"type": "ACTIVE"},
		"thread_metadata": map[string]any{
			"creation_time":     strconv.FormatInt(n.created.Unix(), 10),
			"invite":            n.invite,
			"name":              map[string]any{"text": n.name, "id": randomID(8), "update_time": micros},
			"description":       map[string]any{"text": n.description, "id": randomID(8), "update_time": micros},
			"subscribers_count": strconv.Itoa(count),
			"verification":      "UNVERIFIED",
			"preview":           map[string]any{"url": "", "id": "", "type": "preview", "direct_path": ""},
			"settings":          map[string]any{"reaction_codes": map[string]any{"value": "all"}},
		},
		"viewer_metadata": nil,
	}
	if p != nil && n.isFollowedBy(p) {
		m["viewer_metadata"] = map[string]any{"mute": "OFF", "role": "SUBSCRIBER"}
	}
	return m
}

// Post publishes a text in the channel: every follower's linked devices
// get it as WhatsApp delivers channel messages, a message stanza from the
// channel with a server_id and the message protobuf in a <plaintext>
// element (whatsmeow: events.Message from the newsletter JID). It returns
// the message id.
func (n *Newsletter) Post(text string) (string, error) {
	return n.post(&waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(text)}})
}

// PostImage publishes an image in the channel. Channel media is not
// encrypted: the message has the file's URL, direct path and SHA-256 but
// no media key.
func (n *Newsletter) PostImage(img Image) (string, error) {
	if img.MimeType == "" {
		img.MimeType = "image/jpeg"
	}
	sum := sha256.Sum256(img.Data)
	file, direct := newDirectPath("/m1/v/t24/")
	n.s.storeMedia(file, img.Data)
	m := &waE2E.ImageMessage{
		Mimetype: proto.String(img.MimeType), URL: proto.String(n.s.mediaURL(direct)), DirectPath: proto.String(direct),
		FileSHA256: sum[:], FileLength: proto.Uint64(uint64(len(img.Data))),
	}
	if img.Caption != "" {
		m.Caption = proto.String(img.Caption)
	}
	if img.Width > 0 {
		m.Width, m.Height = proto.Uint32(uint32(img.Width)), proto.Uint32(uint32(img.Height))
	}
	return n.post(&waE2E.Message{ImageMessage: m})
}

func (n *Newsletter) post(msg *waE2E.Message) (string, error) {
	id := randomMessageID()
	n.mu.Lock()
	n.serverID++
	post := newsletterPost{serverID: n.serverID, id: id, t: time.Now(), msg: msg}
	n.posts = append(n.posts, post)
	followers := slices.Clone(n.followers)
	n.mu.Unlock()
	node, err := n.messageNode(post)
	if err != nil {
		return "", err
	}
	for _, p := range followers {
		for _, d := range p.linked() {
			d.deliver(id, node)
		}
	}
	return id, nil
}

func (n *Newsletter) messageNode(post newsletterPost) (waBinary.Node, error) {
	pt, err := proto.Marshal(post.msg)
	if err != nil {
		return waBinary.Node{}, err
	}
	plain := waBinary.Node{Tag: "plaintext", Attrs: waBinary.Attrs{}, Content: pt}
	if mt := mediaTypeAttr(post.msg); mt != "" {
		plain.Attrs["mediatype"] = mt
	}
	return waBinary.Node{Tag: "message", Attrs: waBinary.Attrs{
		"from": n.JID(), "id": post.id, "server_id": strconv.Itoa(post.serverID),
		"t": strconv.FormatInt(post.t.Unix(), 10), "type": messageType(post.msg),
	}, Content: []waBinary.Node{plain}}, nil
}

// Newsletter GraphQL query ids whatsmeow sends in w:mex iqs (web and
// desktop variants; the desktop ids of "subscribed" and "follow" are the
// same, the variables tell them apart).
var (
	mexFetchNewsletter      = []string{"6563316087068696", "9779843322044422"}
	mexSubscribedNewsletter = []string{"6388546374527196", "8621797084555037"}
	mexFollowNewsletter     = []string{"9926858900719341", "8621797084555037"}
	mexUnfollowNewsletter   = []string{"6392786840836363", "8782612271820087"}
)

// mexIQ answers a w:mex GraphQL query about channels.
func (s *Server) mexIQ(dev *device, iq, query *waBinary.Node) waBinary.Node {
	queryID, _ := query.Attrs["query_id"].(string)
	raw, _ := query.Content.([]byte)
	var req struct {
		Variables struct {
			NewsletterID string `json:"newsletter_id"`
			Input        struct {
				Key  string `json:"key"`
				Type string `json:"type"`
			} `json:"input"`
		} `json:"variables"`
	}
	_ = json.Unmarshal(raw, &req)
	var data map[string]any
	v := req.Variables
	switch {
	case slices.Contains(mexFollowNewsletter, queryID) && v.NewsletterID != "":
		n := s.Newsletter(v.NewsletterID)
		if n == nil {
			return mexError(iq, "newsletter not found")
		}
		n.follow(dev.phone)
		data = map[string]any{"xwa2_newsletter_join_v2": n.metadata(dev.phone)}
	case slices.Contains(mexUnfollowNewsletter, queryID):
		n := s.Newsletter(v.NewsletterID)
		if n == nil {
			return mexError(iq, "newsletter not found")
		}
		n.unfollow(dev.phone)
		data = map[string]any{"xwa2_newsletter_leave_v2": map[string]any{"id": n.JID().String()}}
	case slices.Contains(mexSubscribedNewsletter, queryID):
		s.mu.Lock()
		all := make([]*Newsletter, 0, len(s.newsletters))
		for _, n := range s.newsletters {
			all = append(all, n)
		}
		s.mu.Unlock()
		list := []any{}
		for _, n := range all {
			if n.isFollowedBy(dev.phone) {
				list = append(list, n.metadata(dev.phone))
			}
		}
		data = map[string]any{"xwa2_newsletter_subscribed": list}
	case slices.Contains(mexFetchNewsletter, queryID):
		var n *Newsletter
		if v.Input.Type == "INVITE" {
			s.mu.Lock()
			for _, c := range s.newsletters {
				if c.invite == v.Input.Key {
					n = c
				}
			}
			s.mu.Unlock()
		} else {
			n = s.Newsletter(v.Input.Key)
		}
		if n == nil {
			return mexError(iq, "newsletter not found")
		}
		data = map[string]any{"xwa2_newsletter": n.metadata(dev.phone)}
	default:
		return mexError(iq, "unsupported query")
	}
	body, _ := json.Marshal(map[string]any{"data": data})
	return iqResult(iq, waBinary.Node{Tag: "result", Content: body})
}

func mexError(iq *waBinary.Node, msg string) waBinary.Node {
	body, _ := json.Marshal(map[string]any{"data": nil, "errors": []any{map[string]any{
		"message": msg, "extensions": map[string]any{"error_code": 404, "severity": "CRITICAL", "is_retryable": false},
	}}})
	return iqResult(iq, waBinary.Node{Tag: "result", Content: body})
}

// newsletterIQ answers the newsletter namespace: a channel's messages
// (GetNewsletterMessages) and live update subscriptions.
func (s *Server) newsletterIQ(iq, child *waBinary.Node) waBinary.Node {
	switch child.Tag {
	case "messages":
		jid, _ := child.Attrs["jid"].(types.JID)
		n := s.Newsletter(jid.String())
		if n == nil {
			return iqError(iq, 404, "item-not-found")
		}
		count := 50
		if c, err := strconv.Atoi(attrString(child.Attrs["count"])); err == nil && c > 0 {
			count = c
		}
		before, _ := strconv.Atoi(attrString(child.Attrs["before"]))
		n.mu.Lock()
		var posts []newsletterPost
		for _, p := range n.posts {
			if before == 0 || p.serverID < before {
				posts = append(posts, p)
			}
		}
		n.mu.Unlock()
		if len(posts) > count {
			posts = posts[len(posts)-count:]
		}
		nodes := make([]waBinary.Node, 0, len(posts))
		for _, p := range posts {
			if node, err := n.messageNode(p); err == nil {
				node.Attrs = waBinary.Attrs{"server_id": node.Attrs["server_id"], "id": node.Attrs["id"], "t": node.Attrs["t"], "type": node.Attrs["type"]}
				nodes = append(nodes, node)
			}
		}
		return iqResult(iq, waBinary.Node{Tag: "messages", Attrs: waBinary.Attrs{"jid": n.JID(), "t": strconv.FormatInt(time.Now().Unix(), 10)}, Content: nodes})
	case "live_updates":
		return iqResult(iq, waBinary.Node{Tag: "live_updates", Attrs: waBinary.Attrs{"duration": "300"}})
	}
	return iqResult(iq)
}
