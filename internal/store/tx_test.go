package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

func TestWithTxCommitsOrRollsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		boom := errors.New("boom")
		err := s.WithTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.CreateBookmark(ctx, a.ID, "https://x.io/1", "https://x.io/1", "", ""); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic was swallowed")
				}
			}()
			_ = s.WithTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.CreateBookmark(ctx, a.ID, "https://x.io/2", "https://x.io/2", "", ""); err != nil {
					return err
				}
				panic("crash")
			})
		}()
		if p, _ := s.ListBookmarks(ctx, a.ID, store.ItemFilter{}, store.ListOptions{}); len(p.Items) != 0 {
			t.Fatalf("rolled-back bookmarks are stored: %+v", p.Items)
		}
		// A conflict inside a transaction leaves it usable (on PostgreSQL a
		// failed statement would abort it).
		if _, err := s.CreateBookmark(ctx, a.ID, "https://x.io/3", "https://x.io/3", "", ""); err != nil {
			t.Fatal(err)
		}
		err = s.WithTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.CreateBookmark(ctx, a.ID, "https://x.io/3", "https://x.io/3", "", ""); !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("conflict: %v", err)
			}
			_, err := tx.CreateBookmark(ctx, a.ID, "https://x.io/4", "https://x.io/4", "", "")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := s.ListBookmarks(ctx, a.ID, store.ItemFilter{}, store.ListOptions{}); len(p.Items) != 2 {
			t.Fatalf("%d bookmarks, want 2", len(p.Items))
		}
	})
}

func TestPendingWorkScans(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		var pending []string
		for i := range 3 {
			u := fmt.Sprintf("https://x.io/%d", i)
			bm, _, err := s.ShareBookmark(ctx, []string{a.ID, b.ID}[i%2], u, u, store.BookmarkShare{})
			if err != nil {
				t.Fatal(err)
			}
			pending = append(pending, bm.ID)
		}
		done, _, _ := s.ShareBookmark(ctx, a.ID, "https://x.io/done", "https://x.io/done", store.BookmarkShare{})
		if _, err := s.SetBookmarkPreview(ctx, a.ID, done.ID, store.BookmarkPreview{Title: "t"}); err != nil {
			t.Fatal(err)
		}
		var got []string
		steps := 0
		for after := ""; ; steps++ {
			p, err := s.PendingBookmarks(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range p.Items {
				got = append(got, x.ID)
			}
			if after = p.Next; after == "" {
				break
			}
		}
		slices.Sort(got)
		slices.Sort(pending)
		if fmt.Sprint(got) != fmt.Sprint(pending) || steps != 1 {
			t.Fatalf("pending bookmarks %v in %d steps, want %v", got, steps+1, pending)
		}

		// Media: images and voice notes neither recorded nor failed.
		now := time.Now()
		var msgs []*store.IncomingMessage
		for i, typ := range []string{"image", "voice", "text", "image", "image", "voice"} {
			msgs = append(msgs, &store.IncomingMessage{UserID: a.ID, Message: store.Message{ChatID: "c@s.whatsapp.net", ID: fmt.Sprint("m", i), Type: typ,
				Media: &store.Media{Ref: "r"}, Timestamp: now}})
		}
		if err := s.IngestMessages(ctx, msgs, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddImage(ctx, a.ID, &store.Image{ChatID: "c@s.whatsapp.net", MessageID: "m0", SHA256: "h", MimeType: "image/png", SentAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetMediaFailed(ctx, a.ID, "c@s.whatsapp.net", "m3", "gone"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetMediaFailed(ctx, b.ID, "c@s.whatsapp.net", "m4", "not b's message"); err != nil {
			t.Fatal(err)
		}
		if r, err := s.MediaFailure(ctx, b.ID, "c@s.whatsapp.net", "m4"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a failure recorded for another user's message: %q %v", r, err)
		}
		got = nil
		steps = 0
		for after := ""; ; steps++ {
			// Two image or voice messages examined per step, whether or not
			// they wait.
			p, err := s.MediaNotDownloaded(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range p.Items {
				got = append(got, x.MessageID)
			}
			if after = p.Next; after == "" {
				break
			}
		}
		if fmt.Sprint(got) != "[m1 m4 m5]" || steps != 2 {
			t.Fatalf("media not downloaded: %v in %d steps", got, steps+1)
		}
		// A failure goes with its message.
		if _, err := s.DeleteMessagesBefore(ctx, now.Add(time.Hour), 100); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MediaFailure(ctx, a.ID, "c@s.whatsapp.net", "m3"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a failure outlived its message: %v", err)
		}

		// Memos: awaiting a transcript, then awaiting analysis.
		v := &store.VoiceMemo{ChatID: "c@s.whatsapp.net", MessageID: "v", SHA256: "h", MimeType: "audio/ogg", SentAt: now}
		if _, err := s.AddVoiceMemo(ctx, a.ID, v); err != nil {
			t.Fatal(err)
		}
		ids := func(p store.PendingPage, err error) string {
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, x := range p.Items {
				out = append(out, x.UserID+"/"+x.ID)
			}
			return fmt.Sprint(out)
		}
		want := fmt.Sprint([]string{a.ID + "/" + v.ID})
		if got := ids(s.MemosAwaitingTranscription(ctx, "", 10)); got != want {
			t.Fatalf("awaiting transcription: %s", got)
		}
		if _, err := s.SetTranscript(ctx, a.ID, v.ID, "text", "en"); err != nil {
			t.Fatal(err)
		}
		if got := ids(s.MemosAwaitingTranscription(ctx, "", 10)); got != "[]" {
			t.Fatalf("awaiting transcription after it: %s", got)
		}
		if got := ids(s.MemosAwaitingAnalysis(ctx, "", 10)); got != want {
			t.Fatalf("awaiting analysis: %s", got)
		}
		if err := s.WithTx(ctx, func(tx *store.Tx) error { return tx.SetMemoAnalysed(ctx, b.ID, v.ID) }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("b marks a's memo: %v", err)
		}
		if err := s.WithTx(ctx, func(tx *store.Tx) error { return tx.SetMemoAnalysed(ctx, a.ID, v.ID) }); err != nil {
			t.Fatal(err)
		}
		if got := ids(s.MemosAwaitingAnalysis(ctx, "", 10)); got != "[]" {
			t.Fatalf("awaiting analysis after it: %s", got)
		}
	})
}

// Upgrading: memos transcribed before analysis was recorded count as
// analysed when they have items; the others are analysed once more.
func TestUpgradeMarksAnalysedMemos(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := dbtest.OpenUnmigrated(t, d, store.Options{})
			if err := s.MigrateTo(ctx, 4); err != nil {
				t.Fatal(err)
			}
			a := mustUser(t, s, "a@x.io")
			// Transcribed memos, as the version before wrote them.
			var memos []*store.VoiceMemo
			for _, id := range []string{"with-items", "without"} {
				v := &store.VoiceMemo{ID: "memo-" + id}
				if _, err := s.DB().ExecContext(ctx, `INSERT INTO voice_memos (id, user_id, chat_id, message_id, sha256, mime_type, size, status, transcript, sent_at, created_at)
					VALUES ($1, $2, 'c', $3, 'h', 'audio/ogg', 1, 'transcribed', 'buy milk', 1, 1)`, v.ID, a.ID, id); err != nil {
					t.Fatal(err)
				}
				memos = append(memos, v)
			}
			// An item from the first memo, as the version before wrote it
			// (the columns of later versions do not exist yet).
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO tasks (id, user_id, title, source, source_key, chat_id, message_id, voice_memo_id, created_at, updated_at)
				VALUES ('t1', $1, 'Buy milk', 'voice_memo', $2, 'c', 'with-items', $3, 1, 1)`, a.ID, "v:"+memos[0].ID, memos[0].ID); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			p, err := s.MemosAwaitingAnalysis(ctx, "", 10)
			if err != nil || len(p.Items) != 1 || p.Items[0].ID != memos[1].ID {
				t.Fatalf("awaiting analysis after the upgrade: %+v %v", p.Items, err)
			}
		})
	}
}
