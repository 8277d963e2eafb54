package e2e_test

import (
	"bytes"
	"net/url"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// TestPresenceOnlyWhenShared: Synapse tells WhatsApp nothing about the
// person (no "online", no read receipts) until they turn presence sharing
// on; then reading a chat in Synapse marks what others wrote since as read
// on WhatsApp, and the device says it is online.
func TestPresenceOnlyWhenShared(t *testing.T) { eachDialect(t, testPresenceOnlyWhenShared) }

func testPresenceOnlyWhenShared(t *testing.T, d store.Dialect) {
	rootOnce.Do(func() { copy(rootKey[:], bytes.Repeat([]byte{7}, 32)) })
	// As WhatsApp does, the phone syncs its app state (the push name, which
	// presence needs) to the new device.
	ws, err := wasim.New(wasim.Options{RootKey: &rootKey, SyncLinkedDevices: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	srv := startMeowApp(t, d, ws, nil)
	c := srv.Client
	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000061", PushName: "Ana"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000063", PushName: "Carla"})
	ana := c.Register("ana.presence@example.com")
	connectPhone(t, c, ana, anaPhone)
	chat := carla.JID().String()
	traffic := func() wasim.Traffic {
		t.Helper()
		var all wasim.Traffic
		for _, dev := range anaPhone.Devices() {
			jid, err := types.ParseJID(dev.JID)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := ws.Traffic(jid)
			if err != nil {
				t.Fatal(err)
			}
			all.Presences = append(all.Presences, tr.Presences...)
			all.Receipts = append(all.Receipts, tr.Receipts...)
		}
		return all
	}
	readIDs := func(tr wasim.Traffic) []string {
		var ids []string
		for _, r := range tr.Receipts {
			if r.Attrs["type"] == "read" {
				ids = append(ids, r.IDs...)
			}
		}
		return ids
	}
	read := func() {
		t.Helper()
		if r := c.Do("POST", "/api/v1/whatsapp/chats/"+url.PathEscape(chat)+"/read", ana.Token, nil); r.Status != 204 {
			t.Fatalf("read: %d %s", r.Status, r.Body)
		}
	}

	first, _ := carla.SendText(anaPhone.Number(), "primeira")
	waitMessage(t, c, ana.Token, chat, first, func(map[string]any) bool { return true })
	read()
	if tr := traffic(); len(tr.Presences) != 0 || len(readIDs(tr)) != 0 {
		t.Fatalf("told WhatsApp before sharing was on: presences %v, read %v", tr.Presences, readIDs(tr))
	}

	if r := c.Do("PATCH", "/api/v1/auth/me", ana.Token, map[string]any{"sharePresence": true}); r.Status != 200 {
		t.Fatalf("turn sharing on: %d %s", r.Status, r.Body)
	}
	waitFor(t, func() bool {
		for _, p := range traffic().Presences {
			if p.Attrs["type"] == "available" {
				return true
			}
		}
		return false
	})
	second, _ := carla.SendText(anaPhone.Number(), "segunda")
	third, _ := carla.SendText(anaPhone.Number(), "terceira")
	waitMessage(t, c, ana.Token, chat, third, func(map[string]any) bool { return true })
	read()
	waitFor(t, func() bool {
		ids := readIDs(traffic())
		return slices.Contains(ids, second) && slices.Contains(ids, third)
	})
	// Carla's phone sees the blue ticks.
	waitFor(t, func() bool {
		for _, r := range carla.Receipts() {
			if r.Type == "read" && slices.Contains(r.IDs, third) {
				return true
			}
		}
		return false
	})
}
