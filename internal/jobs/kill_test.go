package jobs

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// Environment of the child process of TestKilledBetweenWriteAndEnqueue.
const (
	killPath    = "SYNAPSE_TEST_KILL_PATH" // which follow-up path to drive
	killDialect = "SYNAPSE_TEST_KILL_DIALECT"
	killDB      = "SYNAPSE_TEST_KILL_DB" // SQLite file or PostgreSQL URL
	killSite    = "SYNAPSE_TEST_KILL_SITE"
	killMedia   = "SYNAPSE_TEST_KILL_MEDIA"
)

// killPaths are the follow-up paths, each with the job kind whose enqueue
// the process dies before.
var killPaths = map[string]string{
	"share":      "bookmark_fetch",
	"by-hand":    "bookmark_fetch",
	"voice":      "transcribe",
	"transcript": "analyse",
}

func openForKill(t *testing.T, d store.Dialect, db string) *store.Store {
	t.Helper()
	var s *store.Store
	var err error
	if d == store.SQLite {
		s, err = store.OpenSQLite(db, store.Options{})
	} else {
		s, err = store.OpenPostgres(db, store.Options{})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKillHelper is the child process of TestKilledBetweenWriteAndEnqueue:
// it drives one follow-up path and kills itself (SIGKILL) inside the
// write's transaction, after the write and before the enqueue.
func TestKillHelper(t *testing.T) {
	path := os.Getenv(killPath)
	if path == "" {
		t.Skip("the child process of TestKilledBetweenWriteAndEnqueue")
	}
	s := openForKill(t, store.Dialect(os.Getenv(killDialect)), os.Getenv(killDB))
	f := newFixture(t, s, fixtureOptions{site: os.Getenv(killSite), mediaDir: os.Getenv(killMedia)})
	kind := killPaths[path]
	f.r.beforeEnqueue = func(k string) error {
		if k == kind {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		return nil
	}
	link := "http://" + f.site + "/" + path
	switch path {
	case "share":
		f.ingest(store.Message{ID: "m", Type: "text", Text: "see " + link})
	case "by-hand":
		_, err := f.r.AddBookmark(f.ctx, f.user.ID, link, link, "", "")
		t.Fatalf("AddBookmark returned (%v) instead of dying", err)
	case "voice", "transcript":
		f.ingest(voiceMessage("m"))
	}
	time.Sleep(time.Minute)
	t.Fatal("never reached the enqueue")
}

// The process dies between each write and its enqueue: the write is rolled
// back with the transaction, and after a restart the work is done, with
// nothing left waiting.
func TestKilledBetweenWriteAndEnqueue(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes and waits for River to rescue their jobs")
	}
	for _, d := range dbtest.Dialects {
		for path, kind := range killPaths {
			t.Run(string(d)+"/"+path, func(t *testing.T) {
				t.Parallel()
				var db string
				if d == store.SQLite {
					db = dbtest.SQLitePath(t)
				} else {
					db = dbtest.PostgresURL(t)
				}
				openForKill(t, d, db).Close() // migrated before the child starts
				site, mediaDir := previewSite(t), t.TempDir()
				cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1")
				cmd.Env = append(os.Environ(), killPath+"="+path, killDialect+"="+string(d), killDB+"="+db, killSite+"="+site, killMedia+"="+mediaDir)
				out, err := cmd.CombinedOutput()
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("the child was not killed before enqueueing %s: %v\n%s", kind, err, out)
				}

				s := openForKill(t, d, db)
				ctx := context.Background()
				users, err := s.ListUsers(ctx)
				if err != nil || len(users) != 1 {
					t.Fatalf("users %v %v", users, err)
				}
				uid := users[0].ID
				bookmarks, _ := s.ListBookmarks(ctx, uid, store.ItemFilter{}, store.ListOptions{})
				memos, _ := s.ListVoiceMemos(ctx, uid, store.ItemFilter{}, store.ListOptions{})
				switch path {
				case "share", "by-hand":
					if len(bookmarks.Items) != 0 {
						t.Fatalf("the bookmark outlived the kill: %+v", bookmarks.Items)
					}
				case "voice":
					if len(memos.Items) != 0 {
						t.Fatalf("the memo outlived the kill: %+v", memos.Items)
					}
				case "transcript":
					if len(memos.Items) != 1 || memos.Items[0].Status != store.MemoAwaiting {
						t.Fatalf("the transcript outlived the kill: %+v", memos.Items)
					}
				}

				// Restarted, with abandoned jobs rescued at once.
				f := newFixture(t, s, fixtureOptions{site: site, mediaDir: mediaDir, Options: Options{jobTimeout: time.Second, RescueAfter: time.Second}})
				link := "http://" + site + "/" + path
				switch path {
				case "share", "by-hand":
					if path == "by-hand" { // the person saves it again: not "already saved"
						if _, err := f.r.AddBookmark(ctx, uid, link, link, "", ""); err != nil {
							t.Fatal(err)
						}
					}
					f.eventually("the bookmark is fetched", func() bool { return f.fetched(link) })
				case "voice", "transcript":
					f.eventually("the memo is transcribed and analysed", func() bool {
						ms := f.memos()
						return len(ms) == 1 && ms[0].Status == store.MemoTranscribed && f.memoAnalysed(ms[0].ID)
					})
				}
				f.expectNothingStranded()
			})
		}
	}
}
