package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// Options configure a Generator.
type Options struct {
	// Sim is the engine whose phone receives the messages, and SessionID
	// the session of the demo account (its device must be linked).
	Sim       *sim.Engine
	SessionID string
	// Location is the demo account's time zone: dates in messages are
	// relative to now there, and the backfilled day is "yesterday" there
	// (default UTC).
	Location *time.Location
	// Pace is the mean pause between live beats (default 5 s); each pause
	// varies by ±50%.
	Pace time.Duration
	// Seed makes runs repeatable (0: random).
	Seed uint64
	Now  func() time.Time
	Log  *slog.Logger
}

// Generator makes up the demo's traffic and delivers it to a simulated
// phone: conversations in direct chats and groups, in English, Portuguese
// and Spanish, from templates and vocabularies, so that it does not repeat
// itself. Each conversation unfolds over several beats (a question now, its
// answer a few beats later), interleaved with others. The same seed and
// clock give the same traffic. A Generator is not safe for concurrent use.
type Generator struct {
	o   Options
	rng *mrand.Rand
	// beat counts live beats; pending holds the later beats of the
	// conversations under way, each due at a beat.
	beat    int
	pending []scheduled
	seq     int
	// bag is the shuffled topics still to come before it is refilled, so
	// that every kind of message comes up within a few dozen beats.
	bag []topic
	// used is every text sent so far (up to maxRemembered), so that none is
	// sent twice; links is how often each link was shared, and shared the
	// recent link messages, which are sometimes forwarded to a group.
	used   map[string]bool
	links  map[string]int
	shared []msg
	// only, while set, is the chat every conversation is in (Backfill).
	only *chat
}

// maxRemembered bounds the texts a generator remembers, so that a demo left
// running for days keeps a bounded memory; past it, memory starts over.
const maxRemembered = 100000

// msg is one message the generator decided on.
type msg struct {
	chat *chat
	lang lang
	// from is the sender; nil is the demo user (sent from the phone).
	from *person
	kind string // "text", "image", "voice", "location", "document", "contact"
	// text is the text, or the caption of an image or a document.
	text    string
	picture string // image: what Picture draws
	place   *place
	file    string
	card    *contact
	// url is the link a text shares.
	url string
	// after is how many beats after the conversation's previous message
	// this one comes; 0 is in the same beat, a moment later.
	after int
	// forward marks a deliberate repeat: a link passed on to another chat.
	forward bool
	// at is when a backfilled message was sent.
	at time.Time
}

type scheduled struct {
	due, seq int
	msgs     []msg
}

// New returns a generator.
func New(o Options) *Generator {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Pace <= 0 {
		o.Pace = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	seed := o.Seed
	if seed == 0 {
		seed = mrand.Uint64()
	}
	return &Generator{o: o, rng: mrand.New(mrand.NewPCG(seed, seed^0x5eed)), used: map[string]bool{}, links: map[string]int{}}
}

// nextBeat decides the next live beat: the earliest due beat of a
// conversation under way, or else the start of a new conversation.
func (g *Generator) nextBeat() []msg {
	g.beat++
	if len(g.pending) > 0 {
		i := 0
		for j, p := range g.pending {
			if p.due < g.pending[i].due || (p.due == g.pending[i].due && p.seq < g.pending[i].seq) {
				i = j
			}
		}
		if g.pending[i].due <= g.beat {
			b := g.pending[i].msgs
			g.pending = slices.Delete(g.pending, i, i+1)
			return b
		}
	}
	now := g.o.Now().In(g.o.Location)
	t := g.fresh(func() *thread { return g.drawTopic()(g, now) })
	beats := t.beats()
	due := g.beat
	for _, b := range beats[1:] {
		due += b[0].after
		g.seq++
		g.pending = append(g.pending, scheduled{due: due, seq: g.seq, msgs: b})
	}
	return beats[0]
}

// drawTopic takes the next topic from the bag, refilling it when empty.
func (g *Generator) drawTopic() topic {
	if len(g.bag) == 0 {
		for _, w := range liveTopics {
			for range w.weight {
				g.bag = append(g.bag, w.topic)
			}
		}
		g.rng.Shuffle(len(g.bag), func(i, j int) { g.bag[i], g.bag[j] = g.bag[j], g.bag[i] })
	}
	t := g.bag[len(g.bag)-1]
	g.bag = g.bag[:len(g.bag)-1]
	return t
}

// fresh builds a conversation whose texts were not sent before, trying a
// few times; then it remembers them.
func (g *Generator) fresh(build func() *thread) *thread {
	var t *thread
	for range 12 {
		t = build()
		if !g.seen(t) {
			break
		}
	}
	if len(g.used) > maxRemembered {
		clear(g.used)
	}
	for _, m := range t.msgs {
		if m.text != "" && !m.forward {
			g.used[m.text] = true
		}
		if m.url != "" && !m.forward && m.chat != self {
			g.links[m.url]++
			g.shared = append(g.shared, m)
			if len(g.shared) > 20 {
				g.shared = g.shared[1:]
			}
		}
	}
	return t
}

// seen reports whether a text of t was sent before, or comes twice in t.
func (g *Generator) seen(t *thread) bool {
	for i, m := range t.msgs {
		if m.text == "" || m.forward {
			continue
		}
		if g.used[m.text] {
			return true
		}
		for _, o := range t.msgs[:i] {
			if o.text == m.text {
				return true
			}
		}
	}
	return false
}

// Backfill delivers a day of history, sent yesterday in the account's time
// zone: talk in three groups (one per language: plans and decisions,
// questions, links, photos, places, voice notes), enough for a daily
// summary, and a few notes to self. It returns how many messages it
// delivered.
func (g *Generator) Backfill(ctx context.Context) (int, error) {
	msgs := g.backfillMessages(g.o.Now().In(g.o.Location))
	in := make([]sim.Incoming, 0, len(msgs))
	for _, m := range msgs {
		at := m.at
		in = append(in, g.incoming(m, &at))
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if _, err := g.o.Sim.Deliver(g.o.SessionID, in); err != nil {
		return 0, fmt.Errorf("demo: backfill: %w", err)
	}
	return len(in), nil
}

// backfillMessages makes yesterday's messages, in the order they were sent.
func (g *Generator) backfillMessages(now time.Time) []msg {
	loc := now.Location()
	day := time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, loc)
	var out []msg
	add := func(c *chat, tp topic) {
		// Conversations start between 7:30 and 21:00; each later beat comes
		// minutes to an hour after the one before.
		start := day.Add(7*time.Hour + 30*time.Minute + time.Duration(g.rng.IntN(13*60+30))*time.Minute)
		t := g.fresh(func() *thread {
			g.only = c
			defer func() { g.only = nil }()
			return tp(g, start)
		})
		at := start
		for _, m := range t.msgs {
			if m.after == 0 {
				at = at.Add(time.Duration(20+g.rng.IntN(100)) * time.Second)
			} else {
				at = at.Add(time.Duration(m.after) * time.Duration(4+g.rng.IntN(30)) * time.Minute)
			}
			m.at = at
			if last := day.Add(24*time.Hour - time.Minute); at.After(last) {
				m.at = last
			}
			out = append(out, m)
		}
	}
	for _, c := range backfilled {
		for _, tp := range backfillTopics {
			add(c, tp)
		}
	}
	for _, tp := range backfillSelf {
		add(self, tp)
	}
	slices.SortStableFunc(out, func(a, b msg) int { return a.at.Compare(b.at) })
	return out
}

// incoming turns a message into what the phone receives; at nil means now.
func (g *Generator) incoming(m msg, at *time.Time) sim.Incoming {
	in := sim.Incoming{Chat: m.chat.id, ChatName: m.chat.name, Group: m.chat.group, Type: "text", Text: m.text, Timestamp: at}
	if m.from == nil {
		in.FromMe = true
	} else {
		in.From, in.FromName = m.from.phone, m.from.name
	}
	switch m.kind {
	case "image":
		in.Type, in.Text, in.Caption = "image", "", m.text
		in.Media, in.MimeType = Picture(m.picture, g.rng), "image/jpeg"
	case "voice":
		// The simulator brings a real OGG/Opus voice note of its own.
		in.Type, in.Text = "voice", ""
	case "location":
		lat, lon := m.place.lat, m.place.lon
		in.Type, in.Text = "location", ""
		in.Latitude, in.Longitude, in.Name, in.Address = &lat, &lon, m.place.name, m.place.address
	case "document":
		in.Type, in.Text, in.Caption, in.FileName = "document", "", m.text, m.file
	case "contact":
		in.Type, in.Text, in.Name, in.VCard = "contact", "", m.card.name, m.card.vcard()
	}
	return in
}

// Step delivers the next beat of live traffic (a message, perhaps with a
// reply a moment later) and returns how many messages it delivered.
func (g *Generator) Step(ctx context.Context) (int, error) {
	beat := g.nextBeat()
	for i, m := range beat {
		if i > 0 && !sleep(ctx, time.Duration(float64(g.o.Pace)*(0.2+0.2*g.rng.Float64()))) {
			return i, ctx.Err()
		}
		if _, err := g.o.Sim.Deliver(g.o.SessionID, []sim.Incoming{g.incoming(m, nil)}); err != nil {
			return i, fmt.Errorf("demo: deliver: %w", err)
		}
	}
	return len(beat), nil
}

// Run delivers beats at the generator's pace while linked() holds, until
// ctx ends; while it does not hold, it waits.
func (g *Generator) Run(ctx context.Context, linked func() bool) error {
	for {
		if linked() {
			if _, err := g.Step(ctx); err != nil && ctx.Err() == nil {
				if !errors.Is(err, sim.ErrNotLinked) {
					return err
				}
			}
		}
		pause := time.Duration(float64(g.o.Pace) * (0.5 + g.rng.Float64()))
		if !sleep(ctx, pause) {
			return nil
		}
	}
}

// sleep waits d or until ctx ends, reporting whether the wait was whole.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
