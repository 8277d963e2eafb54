package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

var ctx = context.Background()

func mustUser(t *testing.T, s *store.Store, email string) store.User {
	t.Helper()
	u, err := s.CreateUser(ctx, store.User{Email: email, Name: email, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMigrationsFreshEqualsUpgradePath(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			fresh := dbtest.Open(t, d)
			stepwise := dbtest.OpenUnmigrated(t, d, store.Options{})
			ms, err := stepwise.Migrations()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if err := stepwise.MigrateTo(ctx, m.Version); err != nil {
					t.Fatalf("step %d: %v", m.Version, err)
				}
				applied, known, err := stepwise.SchemaVersion(ctx)
				if err != nil || applied != m.Version || known != ms[len(ms)-1].Version {
					t.Fatalf("after step %d: applied=%d known=%d err=%v", m.Version, applied, known, err)
				}
			}
			// Running again is a no-op.
			if err := fresh.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			a, err := fresh.Schema(ctx)
			if err != nil {
				t.Fatal(err)
			}
			b, err := stepwise.Schema(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(a) < 10 {
				t.Fatalf("schema looks empty: %v", a)
			}
			if !slices.Equal(a, b) {
				t.Fatalf("fresh and stepwise schemas differ:\nfresh:    %v\nstepwise: %v", a, b)
			}
		})
	}
}

func TestConcurrentMigrate(t *testing.T) {
	url := dbtest.PostgresURL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := store.OpenPostgres(url, store.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			errs <- s.Migrate(ctx)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		u, err := s.CreateUser(ctx, store.User{Email: "  Ana@Example.COM ", Name: "Ana", PasswordHash: "hash", IsAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ana@example.com" || u.ID == "" || u.Timezone != "UTC" {
			t.Fatalf("created %+v", u)
		}
		if _, err := s.CreateUser(ctx, store.User{Email: "ANA@example.com", Name: "x", PasswordHash: "h"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		got, err := s.UserByEmail(ctx, "ana@EXAMPLE.com")
		if err != nil || got.ID != u.ID || got.PasswordHash != "hash" || !got.IsAdmin {
			t.Fatalf("by e-mail: %+v %v", got, err)
		}
		if _, err := s.UserByID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
		if err := s.SetAdmin(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateProfile(ctx, u.ID, "Ana B", "America/Sao_Paulo", true); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, u.ID, "new"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.UserByID(ctx, u.ID)
		if got.IsAdmin || got.Name != "Ana B" || got.Timezone != "America/Sao_Paulo" || got.PasswordHash != "new" || !got.SharePresence {
			t.Fatalf("after updates: %+v", got)
		}
		if err := s.SetAdmin(ctx, "missing", true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("set admin on missing user: %v", err)
		}
		mustUser(t, s, "bob@example.com")
		all, err := s.ListUsers(ctx)
		if err != nil || len(all) != 2 {
			t.Fatalf("list: %d %v", len(all), err)
		}
		if n, _ := s.CountUsers(ctx); n != 2 {
			t.Fatalf("count %d", n)
		}
	})
}

func TestRefreshTokenRotationAndReuse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		u := mustUser(t, s, "a@x.io")
		exp := time.Now().Add(time.Hour)
		t1, err := s.CreateRefreshToken(ctx, u.ID, []byte("h1"), exp)
		if err != nil {
			t.Fatal(err)
		}
		t2, err := s.RotateRefreshToken(ctx, []byte("h1"), []byte("h2"), time.Now(), exp)
		if err != nil {
			t.Fatal(err)
		}
		if t2.UserID != u.ID || t2.FamilyID != t1.FamilyID || t2.ID == t1.ID {
			t.Fatalf("rotated %+v from %+v", t2, t1)
		}
		// Presenting h1 again is reuse: the family dies, including h2.
		if _, err := s.RotateRefreshToken(ctx, []byte("h1"), []byte("h3"), time.Now(), exp); !errors.Is(err, store.ErrTokenReused) {
			t.Fatalf("reuse: %v", err)
		}
		if _, err := s.RotateRefreshToken(ctx, []byte("h2"), []byte("h4"), time.Now(), exp); !errors.Is(err, store.ErrTokenReused) {
			t.Fatalf("h2 after family revoked: %v", err)
		}
		if _, err := s.RotateRefreshToken(ctx, []byte("unknown"), []byte("h5"), time.Now(), exp); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
		// Another family is untouched.
		if _, err := s.CreateRefreshToken(ctx, u.ID, []byte("f2"), exp); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefreshToken(ctx, []byte("f2"), []byte("f2b"), time.Now(), exp); err != nil {
			t.Fatalf("second family: %v", err)
		}
		// Expired.
		if _, err := s.CreateRefreshToken(ctx, u.ID, []byte("old"), time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefreshToken(ctx, []byte("old"), []byte("x"), time.Now(), exp); !errors.Is(err, store.ErrTokenExpired) {
			t.Fatalf("expired: %v", err)
		}
		// Logout revokes the family; another user cannot revoke it.
		other := mustUser(t, s, "b@x.io")
		if _, err := s.RevokeRefreshFamily(ctx, other.ID, []byte("f2b")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoke by another user: %v", err)
		}
		if _, err := s.RevokeRefreshFamily(ctx, u.ID, []byte("f2b")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefreshToken(ctx, []byte("f2b"), []byte("y"), time.Now(), exp); !errors.Is(err, store.ErrTokenReused) {
			t.Fatalf("after logout: %v", err)
		}
		n, err := s.DeleteExpiredRefreshTokens(ctx, time.Now())
		if err != nil || n != 1 {
			t.Fatalf("delete expired: %d %v", n, err)
		}
	})
}

func TestRefreshTokenConcurrentRotationOneWins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		u := mustUser(t, s, "a@x.io")
		exp := time.Now().Add(time.Hour)
		if _, err := s.CreateRefreshToken(ctx, u.ID, []byte("h"), exp); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.RotateRefreshToken(ctx, []byte("h"), fmt.Appendf(nil, "n%d", i), time.Now(), exp)
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			if err == nil {
				ok++
			} else if !errors.Is(err, store.ErrTokenReused) {
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok > 1 {
			t.Fatalf("%d concurrent rotations of one token succeeded", ok)
		}
	})
}

func TestSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		sa, err := s.EnsureSession(ctx, a.ID, store.NewSecretID())
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.EnsureSession(ctx, a.ID, store.NewSecretID())
		if err != nil || again.ID != sa.ID || sa.Status != "STOPPED" {
			t.Fatalf("ensure twice: %+v %+v %v", sa, again, err)
		}
		sb, _ := s.EnsureSession(ctx, b.ID, store.NewSecretID())
		if sb.ID == sa.ID {
			t.Fatal("two users share a session id")
		}
		if _, err := s.EnsureSession(ctx, "ghost", store.NewSecretID()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session for missing user: %v", err)
		}
		conn := time.Now().Truncate(time.Millisecond).UTC()
		st := store.SessionState{Status: "WORKING", WantRunning: true, JID: "15550001@s.whatsapp.net", PushName: "Ana", ConnectedAt: conn}
		if err := s.SaveSessionState(ctx, a.ID, sa.ID, st); err != nil {
			t.Fatal(err)
		}
		// Another user's id with this session id changes nothing.
		if err := s.SaveSessionState(ctx, b.ID, sa.ID, store.SessionState{Status: "STOPPED"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("cross-user save: %v", err)
		}
		got, _ := s.SessionByUser(ctx, a.ID)
		if got.Status != "WORKING" || !got.WantRunning || got.JID != st.JID || !got.ConnectedAt.Equal(conn) {
			t.Fatalf("saved %+v", got)
		}
		if err := s.SaveSessionState(ctx, b.ID, sb.ID, store.SessionState{Status: "SCAN_QR_CODE", WantRunning: true}); err != nil {
			t.Fatal(err)
		}
		restore, err := s.SessionsToRestore(ctx)
		if err != nil || len(restore) != 1 || restore[0].ID != sa.ID {
			t.Fatalf("restore list (only paired sessions that should run): %+v %v", restore, err)
		}
		// Several at once; a deleted user's session is skipped.
		if err := s.SaveSessionStates(ctx, []store.SessionStateUpdate{
			{UserID: b.ID, SessionID: sb.ID, State: store.SessionState{Status: "WORKING", WantRunning: true, JID: "2@s.whatsapp.net"}},
			{UserID: "gone", SessionID: "gone", State: store.SessionState{Status: "STOPPED"}},
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SessionByUser(ctx, b.ID); got.Status != "WORKING" || got.JID != "2@s.whatsapp.net" {
			t.Fatalf("batch save: %+v", got)
		}
		all, err := s.ListAllSessions(ctx)
		if err != nil || len(all) != 2 || all[0].UserEmail != "a@x.io" {
			t.Fatalf("all sessions: %+v %v", all, err)
		}
	})
}

func msg(user, chat, id string, ts time.Time, text string) *store.IncomingMessage {
	return &store.IncomingMessage{UserID: user, Message: store.Message{
		ChatID: chat, ID: id, From: chat, FromName: "Bea", Type: "text", Text: text, Timestamp: ts,
	}}
}

func TestIngestIsIdempotentAndIsolated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		lat := &store.MessageLocation{Latitude: -23.5, Longitude: -46.6, Name: "Paulista"}
		m1 := msg(a.ID, "1555@s.whatsapp.net", "m1", t0, "hello")
		m2 := msg(a.ID, "1555@s.whatsapp.net", "m2", t0.Add(time.Second), "")
		m2.Type, m2.Location = "location", lat
		m3 := msg(a.ID, "g1@g.us", "m3", t0.Add(2*time.Second), "in group")
		m3.IsGroup, m3.ChatName = true, "Family"
		m3.Media = &store.Media{Ref: "secret-ref", MimeType: "image/jpeg", Size: 10, Width: 4, Height: 3}
		m3.Type = "image"
		mb := msg(b.ID, "1555@s.whatsapp.net", "m1", t0, "same ids, other user")
		dup := msg(a.ID, "1555@s.whatsapp.net", "m1", t0, "duplicate in batch")
		var hooked []string
		hook := func(ctx context.Context, tx *sql.Tx, ins []*store.IncomingMessage) error {
			for _, m := range ins {
				hooked = append(hooked, m.UserID[:4]+"/"+m.ID)
			}
			return nil
		}
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{m1, m2, m3, mb, dup}, hook); err != nil {
			t.Fatal(err)
		}
		if !m1.Inserted || !m2.Inserted || !m3.Inserted || !mb.Inserted || dup.Inserted {
			t.Fatalf("inserted flags: %v %v %v %v %v", m1.Inserted, m2.Inserted, m3.Inserted, mb.Inserted, dup.Inserted)
		}
		if len(hooked) != 4 {
			t.Fatalf("hook saw %v", hooked)
		}
		// Redelivery: nothing new, hook not called.
		hooked = nil
		re := msg(a.ID, "1555@s.whatsapp.net", "m1", t0, "hello")
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{re}, hook); err != nil {
			t.Fatal(err)
		}
		if re.Inserted || len(hooked) != 0 {
			t.Fatalf("redelivery inserted=%v hooked=%v", re.Inserted, hooked)
		}
		page, err := s.ListMessages(ctx, a.ID, "1555@s.whatsapp.net", store.ListOptions{})
		if err != nil || len(page.Items) != 2 || page.NextCursor != "" {
			t.Fatalf("a's messages: %+v %v", page, err)
		}
		if page.Items[0].ID != "m2" || page.Items[0].Location == nil || page.Items[0].Location.Name != "Paulista" {
			t.Fatalf("newest first with location: %+v", page.Items[0])
		}
		if page.Items[1].Text != "hello" {
			t.Fatalf("first stored text kept: %q", page.Items[1].Text)
		}
		img, err := s.GetMessage(ctx, a.ID, "g1@g.us", "m3")
		if err != nil || img.Media == nil || img.Media.Ref != "secret-ref" || img.Media.Width != 4 {
			t.Fatalf("media payload: %+v %v", img.Media, err)
		}
		// Isolation: b sees only its own message, and not a's group.
		pb, err := s.ListMessages(ctx, b.ID, "1555@s.whatsapp.net", store.ListOptions{})
		if err != nil || len(pb.Items) != 1 || pb.Items[0].Text != "same ids, other user" {
			t.Fatalf("b's messages: %+v %v", pb, err)
		}
		if _, err := s.ListMessages(ctx, b.ID, "g1@g.us", store.ListOptions{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b listing a's group: %v", err)
		}
		if _, err := s.GetMessage(ctx, b.ID, "g1@g.us", "m3"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b reading a's message: %v", err)
		}
		chats, err := s.ListChats(ctx, a.ID, store.AllChats, store.ListOptions{})
		if err != nil || len(chats.Items) != 2 {
			t.Fatalf("chats: %+v %v", chats, err)
		}
		if c := chats.Items[0]; c.ID != "g1@g.us" || !c.IsGroup || c.Name != "Family" || !c.LastMessageAt.Equal(t0.Add(2*time.Second)) {
			t.Fatalf("group chat first: %+v", c)
		}
		groups, _ := s.ListChats(ctx, a.ID, store.GroupsOnly, store.ListOptions{})
		direct, _ := s.ListChats(ctx, a.ID, store.DirectOnly, store.ListOptions{})
		if len(groups.Items) != 1 || len(direct.Items) != 1 {
			t.Fatalf("groups %d direct %d", len(groups.Items), len(direct.Items))
		}
		if n, _ := s.CountMessages(ctx, a.ID, t0.Add(time.Second)); n != 2 {
			t.Fatalf("count since: %d", n)
		}
	})
}

func TestIngestHookFailureRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		boom := errors.New("boom")
		m := msg(a.ID, "1@s.whatsapp.net", "x", time.Now(), "t")
		err := s.IngestMessages(ctx, []*store.IncomingMessage{m}, func(context.Context, *sql.Tx, []*store.IncomingMessage) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("err %v", err)
		}
		if _, err := s.GetChat(ctx, a.ID, "1@s.whatsapp.net"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("chat survived a rolled-back ingest: %v", err)
		}
		if err := s.IngestMessages(ctx, []*store.IncomingMessage{m}, nil); err != nil || !m.Inserted {
			t.Fatalf("retry after rollback: %v inserted=%v", err, m.Inserted)
		}
	})
}

func TestPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var batch []*store.IncomingMessage
		for i := range 25 {
			// Several messages share a timestamp: the cursor must still be exact.
			batch = append(batch, msg(a.ID, "c@s.whatsapp.net", fmt.Sprintf("m%02d", i), t0.Add(time.Duration(i/3)*time.Second), "x"))
			batch = append(batch, msg(a.ID, fmt.Sprintf("%02d@s.whatsapp.net", i), "z", t0.Add(time.Duration(i%5)*time.Second), "x"))
		}
		if err := s.IngestMessages(ctx, batch, nil); err != nil {
			t.Fatal(err)
		}
		var ids []string
		cursor := ""
		for pages := 0; ; pages++ {
			p, err := s.ListMessages(ctx, a.ID, "c@s.whatsapp.net", store.ListOptions{Limit: 7, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range p.Items {
				ids = append(ids, m.ID)
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
		}
		if len(ids) != 25 || ids[0] != "m24" || ids[24] != "m00" {
			t.Fatalf("paged ids %v", ids)
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s appears twice", id)
			}
			seen[id] = true
		}
		var chatIDs []string
		cursor = ""
		for {
			p, err := s.ListChats(ctx, a.ID, store.AllChats, store.ListOptions{Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Items {
				chatIDs = append(chatIDs, c.ID)
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		if len(chatIDs) != 26 || slices.Compact(slices.Sorted(slices.Values(chatIDs))) == nil {
			t.Fatalf("chat pages: %d %v", len(chatIDs), chatIDs)
		}
		if _, err := s.ListChats(ctx, a.ID, store.AllChats, store.ListOptions{Cursor: "!!"}); !errors.Is(err, store.ErrBadCursor) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func TestDeleteUserCascades(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		for _, u := range []store.User{a, b} {
			if _, err := s.EnsureSession(ctx, u.ID, store.NewSecretID()); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateRefreshToken(ctx, u.ID, []byte("t"+u.ID), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := s.IngestMessages(ctx, []*store.IncomingMessage{msg(u.ID, "1@s.whatsapp.net", "m", time.Now(), "x")}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteUser(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByUser(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session survived: %v", err)
		}
		if _, err := s.GetChat(ctx, a.ID, "1@s.whatsapp.net"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("chat survived: %v", err)
		}
		if _, err := s.RotateRefreshToken(ctx, []byte("t"+a.ID), []byte("n"), time.Now(), time.Now().Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("token survived: %v", err)
		}
		if _, err := s.GetMessage(ctx, b.ID, "1@s.whatsapp.net", "m"); err != nil {
			t.Fatalf("other user's data lost: %v", err)
		}
	})
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for range 1000 {
		id, sid := store.NewID(), store.NewSecretID()
		if len(id) != 26 || len(sid) != 26 || seen[id] || seen[sid] {
			t.Fatalf("bad or repeated id %q %q", id, sid)
		}
		seen[id], seen[sid] = true, true
		if id[:9] < prev[:min(len(prev), 9)] {
			t.Fatalf("ids not time-ordered: %s after %s", id, prev)
		}
		prev = id
	}
}

// The SQLite database and its companions are readable by their owner
// alone, even in a directory that others may read, and an older database
// made readable by others is restricted when opened.
func TestSQLiteFilesAreOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "synapse.db")
	check := func(when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %s has mode %o, want 600", when, filepath.Base(p), fi.Mode().Perm())
			}
		}
	}
	s, err := store.OpenSQLite(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, "ana@example.com")
	check("new database")
	s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	s, err = store.OpenSQLite(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustUser(t, s, "bea@example.com")
	check("reopened database")
}
