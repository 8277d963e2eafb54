// Package demo makes a simulated phone behave like a real one, for
// `synapse demo`: friends and groups writing in English, Portuguese and
// Spanish — plans with dates and times, questions and their answers,
// requests and promises, links, photos, voice notes, places, documents,
// contacts and notes to self — made up from templates and vocabularies so
// that an hour of it does not repeat itself, plus a backfilled day of group
// history so that a daily summary can be made at once.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

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

// Run is `synapse demo` on a started app: it sets up the demo account
// (keeping its password in the data folder), prints how to sign in, waits
// for the simulated phone to be linked (the "Scan with simulated phone"
// button), backfills yesterday's history once, then generates traffic until
// ctx ends.
func Run(ctx context.Context, o RunOptions) error {
	a := o.App
	if a.Sim == nil {
		return errors.New("demo: the app does not run the sim engine")
	}
	if o.Timezone == "" {
		o.Timezone = "UTC"
	}
	file := filepath.Join(a.Config.DataDir, PasswordFile)
	cr, err := Account(ctx, a.Auth, a.Store, o.Email, o.Timezone, file)
	if err != nil {
		return err
	}
	password := cr.Password
	switch {
	case cr.Changed:
		password = "the one you set in Synapse (delete " + file + " and run again to get a new one)"
	case cr.Reset:
		password += "   (new: no password was kept in " + file + ")"
	}
	fmt.Fprintf(o.Out, `
Synapse demo is running on a simulated WhatsApp.

  1. Open %s and sign in:
       e-mail    %s
       password  %s
  2. On "Connect WhatsApp", press "Show QR code", then "Scan with simulated phone".
  3. Watch chats, photos, links, voice notes, places and notes to self arrive.

Data is kept in %s. Press Ctrl-C to stop.

`, o.URL, cr.User.Email, password, a.Config.DataDir)
	u := cr.User
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
		fmt.Fprintf(o.Out, "Backfilled %d messages of yesterday's group chats and notes: on Summaries, generate yesterday's.\n", n)
	}
	return g.Run(ctx, linked)
}
