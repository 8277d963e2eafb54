// Package demo makes a simulated phone behave like a real one, for
// `synapse demo`: friends and groups writing in English, Portuguese and
// Spanish, with links, photos, voice notes, places, a document and notes to
// self, at a gentle pace, plus a backfilled day of group history so that a
// daily summary can be made at once.
package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// Options configure a Generator.
type Options struct {
	// Sim is the engine whose phone receives the messages, and SessionID
	// the session of the demo account (its device must be linked).
	Sim       *sim.Engine
	SessionID string
	// Location is the demo account's time zone: the backfilled day is
	// "yesterday" there (default UTC).
	Location *time.Location
	// Pace is the mean pause between live beats (default 5 s); each pause
	// varies by ±50%.
	Pace time.Duration
	// Seed makes runs repeatable (0: random).
	Seed uint64
	Now  func() time.Time
	Log  *slog.Logger
}

// Generator delivers the demo's messages to a simulated phone. It is not
// safe for concurrent use.
type Generator struct {
	o    Options
	rng  *mrand.Rand
	next int
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
	return &Generator{o: o, rng: mrand.New(mrand.NewPCG(seed, seed^0x5eed))}
}

// incoming turns a line of the script into what the phone receives; at
// nil means now.
func (g *Generator) incoming(l line, at *time.Time) sim.Incoming {
	in := sim.Incoming{Chat: l.chat.id, ChatName: l.chat.name, Group: l.chat.group, Type: "text", Text: l.text, Timestamp: at}
	if l.from == nil {
		in.FromMe = true
	} else {
		in.From, in.FromName = l.from.phone, l.from.name
	}
	switch l.typ {
	case "image":
		in.Type, in.Text, in.Caption = "image", "", l.text
		in.Media, in.MimeType = Picture(l.picture, g.rng), "image/jpeg"
	case "voice":
		// The simulator brings a real OGG/Opus voice note of its own.
		in.Type, in.Text = "voice", ""
	case "location":
		lat, lon := l.place.lat, l.place.lon
		in.Type, in.Text = "location", ""
		in.Latitude, in.Longitude, in.Name, in.Address = &lat, &lon, l.place.name, l.place.address
	case "document":
		in.Type, in.Text, in.Caption, in.FileName = "document", "", l.text, l.file
	}
	return in
}

// Backfill delivers a day of group history, sent yesterday in the
// account's time zone, and returns how many messages it delivered.
func (g *Generator) Backfill(ctx context.Context) (int, error) {
	now := g.o.Now().In(g.o.Location)
	day := time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, g.o.Location)
	msgs := make([]sim.Incoming, 0, len(history))
	for _, l := range history {
		at := day.Add(time.Duration(l.at*float64(time.Hour)) + time.Duration(g.rng.IntN(300))*time.Second)
		msgs = append(msgs, g.incoming(l, &at))
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if _, err := g.o.Sim.Deliver(g.o.SessionID, msgs); err != nil {
		return 0, fmt.Errorf("demo: backfill: %w", err)
	}
	return len(msgs), nil
}

// Step delivers the next beat of live traffic (a message, perhaps with a
// reply a moment later) and returns how many messages it delivered.
func (g *Generator) Step(ctx context.Context) (int, error) {
	beat := live[g.next%len(live)]
	g.next++
	for i, l := range beat {
		if i > 0 && !sleep(ctx, time.Duration(float64(g.o.Pace)*(0.2+0.2*g.rng.Float64()))) {
			return i, ctx.Err()
		}
		if _, err := g.o.Sim.Deliver(g.o.SessionID, []sim.Incoming{g.incoming(l, nil)}); err != nil {
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

// Account creates the demo account (an administrator, so that the admin
// page shows too) or, when it exists, gives it a new password. It returns
// the account and its password.
func Account(ctx context.Context, svc *auth.Service, st *store.Store, email, timezone string) (store.User, string, error) {
	password := newPassword()
	u, err := svc.CreateUser(ctx, auth.Registration{Email: email, Password: password, Name: "Demo", Timezone: timezone, Admin: true})
	if errors.Is(err, auth.ErrEmailTaken) {
		if u, err = st.UserByEmail(ctx, email); err != nil {
			return store.User{}, "", fmt.Errorf("demo: find account: %w", err)
		}
		hash, err := auth.HashPassword(password, auth.DefaultPasswordParams)
		if err != nil {
			return store.User{}, "", err
		}
		if err := st.SetPassword(ctx, u.ID, hash); err != nil {
			return store.User{}, "", fmt.Errorf("demo: reset password: %w", err)
		}
		return u, password, nil
	}
	if err != nil {
		return store.User{}, "", fmt.Errorf("demo: create account: %w", err)
	}
	return u, password, nil
}

// newPassword makes a password that is easy to type: "demo-" and two
// groups of four letters and digits.
func newPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	var s strings.Builder
	s.WriteString("demo-")
	for i, c := range b {
		if i == 4 {
			s.WriteByte('-')
		}
		s.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return s.String()
}

// RunOptions configure Run.
type RunOptions struct {
	App *app.App
	// URL is where the UI is served, for the instructions.
	URL      string
	Email    string
	Timezone string
	Pace     time.Duration
	Out      io.Writer
}

// Run is `synapse demo` on a started app: it sets up the demo account,
// prints how to sign in, waits for the simulated phone to be linked (the
// "Scan with simulated phone" button), backfills yesterday's group history
// once, then generates traffic until ctx ends.
func Run(ctx context.Context, o RunOptions) error {
	a := o.App
	if a.Sim == nil {
		return errors.New("demo: the app does not run the sim engine")
	}
	if o.Timezone == "" {
		o.Timezone = "UTC"
	}
	u, password, err := Account(ctx, a.Auth, a.Store, o.Email, o.Timezone)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, `
Synapse demo is running on a simulated WhatsApp.

  1. Open %s and sign in:
       e-mail    %s
       password  %s
  2. On "Connect WhatsApp", press "Show QR code", then "Scan with simulated phone".
  3. Watch chats, photos, links, voice notes, places and notes to self arrive.

Data is kept in %s. Press Ctrl-C to stop.

`, o.URL, u.Email, password, a.Config.DataDir)
	linked := func() bool {
		st, err := a.Sessions.Status(ctx, u.ID)
		return err == nil && st.Status == whatsapp.StatusWorking
	}
	for !linked() {
		if !sleep(ctx, 300*time.Millisecond) {
			return nil
		}
	}
	fmt.Fprintln(o.Out, "The simulated phone is linked: messages are arriving.")
	sid, err := a.Sessions.SessionID(ctx, u.ID)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(u.Timezone)
	if err != nil {
		loc = time.UTC
	}
	g := New(Options{Sim: a.Sim, SessionID: sid, Location: loc, Pace: o.Pace, Log: a.Log})
	if n, err := a.Store.CountMessages(ctx, u.ID, time.Time{}); err != nil {
		return err
	} else if n == 0 {
		n, err := g.Backfill(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "Backfilled %d messages of yesterday's group chats: on Summaries, generate yesterday's.\n", n)
	}
	return g.Run(ctx, linked)
}
