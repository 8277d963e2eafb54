package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/linkpreview"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// These tests drive the pipeline directly (no HTTP, no engine) against a
// real database of each dialect, and inject failures between a write and the
// enqueue of its follow-up job.

var errInjected = errors.New("injected failure between the write and its enqueue")

// faults makes the enqueue of chosen job kinds fail, a number of times.
type faults struct {
	mu   sync.Mutex
	left map[string]int
	hits map[string]int
}

func newFaults() *faults { return &faults{left: map[string]int{}, hits: map[string]int{}} }

func (f *faults) failNext(kind string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left[kind] = n
}

func (f *faults) hit(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[kind]
}

func (f *faults) before(kind string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.left[kind] > 0 {
		f.left[kind]--
		f.hits[kind]++
		return errInjected
	}
	return nil
}

// fakeDownloader serves media by reference: "gone" is gone for good,
// images are a small PNG, anything else some audio.
type fakeDownloader struct{}

func (fakeDownloader) Download(_ context.Context, _ string, m *whatsapp.Media, _ int64) ([]byte, error) {
	switch {
	case m.Ref == "gone":
		return nil, whatsapp.ErrMediaGone
	case strings.HasPrefix(m.MimeType, "image/"):
		return testPNG(8, 1+len(m.Ref)), nil // different references, different bytes
	}
	return []byte("OggS voice note " + m.Ref), nil
}

type fakeTranscriber struct{ text string }

func (f fakeTranscriber) Transcribe(_ context.Context, audio io.Reader, _, _ string) (ai.Transcript, error) {
	if _, err := io.ReadAll(audio); err != nil {
		return ai.Transcript{}, err
	}
	return ai.Transcript{Text: f.text, Language: "en"}, nil
}

func testPNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 20), uint8(y * 20), 200, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// previewSite serves pages titled after their path.
func previewSite(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>Page %s</title>", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u.Host
}

const memoText = "Remind me to buy milk tomorrow at 5 pm"

type fixture struct {
	t      *testing.T
	ctx    context.Context
	s      *store.Store
	r      *Runner
	blobs  media.Blobs
	faults *faults
	user   store.User
	site   string // host:port of the preview site
}

type fixtureOptions struct {
	Options
	site     string   // a preview site to reach (default: a new one)
	hosts    []string // more hosts the previews may reach
	mediaDir string   // where media are kept (default: a new directory)
}

// newFixture runs a pipeline on s until the test ends.
func newFixture(t *testing.T, s *store.Store, fo fixtureOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	if fo.site == "" {
		fo.site = previewSite(t)
	}
	previews, err := linkpreview.New(linkpreview.Options{AllowedHosts: append([]string{fo.site}, fo.hosts...)})
	if err != nil {
		t.Fatal(err)
	}
	if fo.mediaDir == "" {
		fo.mediaDir = t.TempDir()
	}
	blobs, err := media.NewFS(fo.mediaDir)
	if err != nil {
		t.Fatal(err)
	}
	o := fo.Options
	if o.PollInterval == 0 {
		o.PollInterval = 20 * time.Millisecond
	}
	o.NoSchedules = true
	r, err := New(ctx, Deps{Store: s, Blobs: blobs, Downloader: fakeDownloader{}, Previews: previews,
		Transcriber: fakeTranscriber{text: memoText}}, o)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, s: s, r: r, blobs: blobs, faults: newFaults(), site: fo.site}
	r.beforeEnqueue = f.faults.before
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = r.Stop(sctx)
	})
	users, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) > 0 {
		f.user = users[0]
	} else if f.user, err = s.CreateUser(ctx, store.User{Email: "ana@example.com", Name: "Ana", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// ingest stores messages of the fixture's user with their follow-up jobs.
func (f *fixture) ingest(msgs ...store.Message) {
	f.t.Helper()
	in := make([]*store.IncomingMessage, len(msgs))
	for i, m := range msgs {
		if m.ChatID == "" {
			m.ChatID = "351910000001@s.whatsapp.net"
		}
		if m.Timestamp.IsZero() {
			m.Timestamp = time.Now().UTC()
		}
		in[i] = &store.IncomingMessage{UserID: f.user.ID, IsGroup: strings.HasSuffix(m.ChatID, "@g.us"), Message: m}
	}
	if err := f.s.IngestMessages(f.ctx, in, f.r.IngestHook()); err != nil {
		f.t.Fatal(err)
	}
}

func voiceMessage(id string) store.Message {
	return store.Message{ID: id, Type: "voice", Media: &store.Media{Ref: id, MimeType: "audio/ogg; codecs=opus", Seconds: 3}}
}

// eventually polls cond until it holds (or fails the test after a minute).
func (f *fixture) eventually(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("never: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var liveStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled}

// jobs lists the jobs of a kind in the given states (all when none).
func (f *fixture) jobs(kind string, states ...rivertype.JobState) []*rivertype.JobRow {
	f.t.Helper()
	p := river.NewJobListParams().Kinds(kind).First(10000)
	if len(states) > 0 {
		p = p.States(states...)
	}
	res, err := f.r.client.JobList(f.ctx, p)
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Jobs
}

// stranded lists, per kind of follow-up job, the rows that wait for it with
// no such job waiting or running: what a failure between a write and its
// enqueue would leave behind.
func (f *fixture) stranded() map[string][]store.Pending {
	f.t.Helper()
	out := map[string][]store.Pending{}
	for _, k := range sweepKinds {
		live := map[string]bool{}
		for _, j := range f.jobs(k.name, liveStates...) {
			var a struct {
				MemoID     string `json:"memo_id"`
				BookmarkID string `json:"bookmark_id"`
				ChatID     string `json:"chat_id"`
				MessageID  string `json:"message_id"`
			}
			if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
				f.t.Fatal(err)
			}
			live[a.MemoID+a.BookmarkID+a.ChatID+"/"+a.MessageID] = true
		}
		for after := ""; ; {
			page, err := k.scan(f.s, f.ctx, after, 100)
			if err != nil {
				f.t.Fatal(err)
			}
			for _, p := range page.Items {
				if !live[p.ID+p.ChatID+"/"+p.MessageID] {
					out[k.name] = append(out[k.name], p)
				}
			}
			if after = page.Next; after == "" {
				break
			}
		}
	}
	return out
}

func (f *fixture) expectNothingStranded() {
	f.t.Helper()
	if s := f.stranded(); len(s) > 0 {
		f.t.Fatalf("left waiting without a job: %+v", s)
	}
}

func (f *fixture) bookmarks() []store.Bookmark {
	f.t.Helper()
	p, err := f.s.ListBookmarks(f.ctx, f.user.ID, store.ItemFilter{}, store.ListOptions{Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Items
}

func (f *fixture) memos() []store.VoiceMemo {
	f.t.Helper()
	p, err := f.s.ListVoiceMemos(f.ctx, f.user.ID, store.ItemFilter{}, store.ListOptions{Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Items
}

func (f *fixture) tasks() []store.Task {
	f.t.Helper()
	p, err := f.s.ListTasks(f.ctx, f.user.ID, store.TaskFilter{}, store.ListOptions{Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Items
}

// memoAnalysed reports whether the memo's transcript was analysed into its
// task.
// memoAnalysed is whether the memo gave its "buy milk" task: its own, or
// as a source of the same task another memo gave (one item per thing).
func (f *fixture) memoAnalysed(memoID string) bool {
	memo, err := f.s.GetVoiceMemo(f.ctx, f.user.ID, memoID)
	if err != nil {
		return false
	}
	for _, t := range f.tasks() {
		if !strings.Contains(strings.ToLower(t.Title), "buy milk") {
			continue
		}
		if t.Source.VoiceMemoID == memoID {
			return true
		}
		srcs, _ := f.s.ItemSources(f.ctx, f.user.ID, domain.KindTask, t.ID)
		for _, src := range srcs {
			if src.ChatID == memo.ChatID && src.MessageID == memo.MessageID {
				return true
			}
		}
	}
	return false
}

func (f *fixture) fetched(url string) bool {
	for _, b := range f.bookmarks() {
		if b.URL == url && b.Status == store.BookmarkFetched {
			return true
		}
	}
	return false
}

// expectSweepFindsNothing checks that, after everything settled, the sweep
// has nothing left to queue.
func (f *fixture) expectSweepFindsNothing() {
	f.t.Helper()
	if n, err := f.r.Sweep(f.ctx); err != nil || len(n) != 0 {
		f.t.Fatalf("sweep after the pipeline settled queued %v (%v)", n, err)
	}
}

// Each follow-up path, with its enqueue failing once: the write is rolled
// back with it, nothing is left waiting without a job, and the retry
// finishes the work.
func TestFollowUpsSurviveAFailedEnqueue(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, dbtest.Open(t, d), fixtureOptions{})

			t.Run("shared link to its preview", func(t *testing.T) {
				f.t = t
				link := "http://" + f.site + "/shared"
				f.faults.failNext("bookmark_fetch", 1)
				f.ingest(store.Message{ID: "link-1", Type: "text", Text: "look " + link})
				f.eventually("the fetch's enqueue failed", func() bool { return f.faults.hit("bookmark_fetch") == 1 })
				f.expectNothingStranded()
				f.eventually("the bookmark is fetched", func() bool { return f.fetched(link) })
				f.eventually("the bookmarks job completes", func() bool {
					return len(f.jobs("bookmarks", rivertype.JobStateCompleted)) == 1
				})
				if j := f.jobs("bookmarks"); len(j) != 1 || j[0].Attempt != 2 {
					t.Fatalf("the bookmarks job should have failed once, then succeeded: %d jobs, attempt %d", len(j), j[0].Attempt)
				}
			})

			t.Run("link saved by hand to its preview", func(t *testing.T) {
				f.t = t
				link := "http://" + f.site + "/by-hand"
				f.faults.failNext("bookmark_fetch", 1)
				if _, err := f.r.AddBookmark(f.ctx, f.user.ID, link, link, "Mine", ""); !errors.Is(err, errInjected) {
					t.Fatalf("add with a failing enqueue: %v", err)
				}
				for _, b := range f.bookmarks() {
					if b.URL == link {
						t.Fatalf("a bookmark was left behind: %+v", b)
					}
				}
				// The person tries again: saved (not "already saved"), and fetched.
				b, err := f.r.AddBookmark(f.ctx, f.user.ID, link, link, "Mine", "")
				if err != nil {
					t.Fatal(err)
				}
				f.eventually("the bookmark is fetched", func() bool { return f.fetched(link) })
				if got, _ := f.s.GetBookmark(f.ctx, f.user.ID, b.ID); got.Title != "Mine" || !got.Manual {
					t.Fatalf("bookmark %+v", got)
				}
				if _, err := f.r.AddBookmark(f.ctx, f.user.ID, link, link, "", ""); !errors.Is(err, store.ErrConflict) {
					t.Fatalf("a third save: %v", err)
				}
			})

			t.Run("voice note to its transcription", func(t *testing.T) {
				f.t = t
				f.faults.failNext("transcribe", 1)
				f.ingest(voiceMessage("voice-1"))
				f.eventually("the transcription's enqueue failed", func() bool { return f.faults.hit("transcribe") == 1 })
				f.expectNothingStranded()
				f.eventually("the memo is transcribed and analysed", func() bool {
					for _, m := range f.memos() {
						if m.MessageID == "voice-1" {
							return m.Status == store.MemoTranscribed && f.memoAnalysed(m.ID)
						}
					}
					return false
				})
			})

			t.Run("transcript to its analysis", func(t *testing.T) {
				f.t = t
				f.faults.failNext("analyse", 1)
				f.ingest(voiceMessage("voice-2"))
				f.eventually("the analysis's enqueue failed", func() bool { return f.faults.hit("analyse") == 1 })
				f.expectNothingStranded()
				for _, m := range f.memos() {
					if m.MessageID == "voice-2" && m.Status == store.MemoTranscribed && !f.memoAnalysed(m.ID) && len(f.jobs("analyse", liveStates...)) == 0 {
						t.Fatalf("transcribed, never to be analysed: %+v", m)
					}
				}
				f.eventually("the memo is transcribed and analysed", func() bool {
					for _, m := range f.memos() {
						if m.MessageID == "voice-2" {
							return m.Status == store.MemoTranscribed && f.memoAnalysed(m.ID)
						}
					}
					return false
				})
			})

			t.Run("group day to its summary", func(t *testing.T) {
				f.t = t
				day := time.Now().UTC().AddDate(0, 0, -1)
				f.ingest(store.Message{ID: "g-1", ChatID: "120363001@g.us", Type: "text", Text: "Lunch on Sunday at one?", From: "351910000002@s.whatsapp.net", FromName: "Rui", Timestamp: day},
					store.Message{ID: "g-2", ChatID: "120363001@g.us", Type: "text", Text: "Yes, one it is", From: "351910000003@s.whatsapp.net", FromName: "Eva", Timestamp: day.Add(time.Minute)})
				f.faults.failNext("summarize_day", 2)
				if n, err := f.r.QueueSummaries(f.ctx, f.user.ID, "", day.Format("2006-01-02"), false); !errors.Is(err, errInjected) || n != 0 {
					t.Fatalf("queue with a failing enqueue: %d %v", n, err)
				}
				if n, err := f.r.QueueDailySummaries(f.ctx, day.AddDate(0, 0, 1)); !errors.Is(err, errInjected) || n != 0 {
					t.Fatalf("daily queue with a failing enqueue: %d %v", n, err)
				}
				if j := f.jobs("summarize_day"); len(j) != 0 {
					t.Fatalf("summaries queued by failed calls: %d", len(j))
				}
				if n, err := f.r.QueueDailySummaries(f.ctx, day.AddDate(0, 0, 1)); err != nil || n != 1 {
					t.Fatalf("daily queue: %d %v", n, err)
				}
				f.eventually("the day is summarised", func() bool {
					ok, _ := f.s.SummaryExists(f.ctx, f.user.ID, "120363001@g.us", day.Format("2006-01-02"))
					return ok
				})
			})

			f.t = t
			f.expectNothingStranded()
			f.expectSweepFindsNothing()
		})
	}
}

// A crash inside the transaction, after the write: everything fn wrote is
// rolled back.
func TestWithTxRollsBackTheWriteWithItsJobs(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, dbtest.Open(t, d), fixtureOptions{})
			link := "http://" + f.site + "/rolled-back"
			crash := errors.New("crash after the write")
			err := f.s.WithTx(f.ctx, func(tx *store.Tx) error {
				b, err := tx.CreateBookmark(f.ctx, f.user.ID, link, link, "", "")
				if err != nil {
					return err
				}
				if err := f.r.FetchBookmarkTx(f.ctx, tx, f.user.ID, b.ID); err != nil {
					return err
				}
				return crash
			})
			if !errors.Is(err, crash) {
				t.Fatal(err)
			}
			if len(f.bookmarks()) != 0 || len(f.jobs("bookmark_fetch")) != 0 {
				t.Fatalf("left after rollback: %d bookmarks, %d jobs", len(f.bookmarks()), len(f.jobs("bookmark_fetch")))
			}
		})
	}
}

// Work left waiting without a job (by an older version, or given up by
// River) is queued again by the sweep, once, and done.
func TestSweepQueuesWorkLeftWaiting(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := dbtest.Open(t, d)
			// Two rows of each kind per step: the sweep takes several steps.
			f := newFixture(t, s, fixtureOptions{Options: Options{SweepBatch: 2}})
			ctx, uid := f.ctx, f.user.ID
			var links []string
			for i := range 3 {
				link := fmt.Sprintf("http://%s/left-%d", f.site, i)
				links = append(links, link)
				if _, _, err := s.ShareBookmark(ctx, uid, link, link, store.BookmarkShare{}); err != nil {
					t.Fatal(err)
				}
			}
			manual := "http://" + f.site + "/left-by-hand"
			links = append(links, manual)
			if _, err := s.CreateBookmark(ctx, uid, manual, manual, "", ""); err != nil {
				t.Fatal(err)
			}
			audio, err := f.blobs.Put(ctx, uid, []byte("OggS waiting"))
			if err != nil {
				t.Fatal(err)
			}
			// Media never downloaded: stored without their jobs. The second
			// message's memo was transcribed but never analysed, the third's
			// never transcribed.
			msgs := []*store.IncomingMessage{
				{UserID: uid, Message: store.Message{ChatID: "c@s.whatsapp.net", ID: "img", Type: "image", Media: &store.Media{Ref: "img", MimeType: "image/png"}, Timestamp: time.Now()}},
				{UserID: uid, Message: voiceMessage("v-analyse")},
				{UserID: uid, Message: voiceMessage("v-transcribe")},
				{UserID: uid, Message: voiceMessage("v-never")},
				{UserID: uid, Message: store.Message{ChatID: "c@s.whatsapp.net", ID: "gone", Type: "image", Media: &store.Media{Ref: "gone", MimeType: "image/png"}, Timestamp: time.Now()}},
			}
			for _, m := range msgs[1:4] {
				m.ChatID, m.Timestamp = "c@s.whatsapp.net", time.Now()
			}
			if err := s.IngestMessages(ctx, msgs, nil); err != nil {
				t.Fatal(err)
			}
			analyse := &store.VoiceMemo{ChatID: "c@s.whatsapp.net", MessageID: "v-analyse", SHA256: audio, MimeType: "audio/ogg", SentAt: time.Now()}
			transcribe := &store.VoiceMemo{ChatID: "c@s.whatsapp.net", MessageID: "v-transcribe", SHA256: audio, MimeType: "audio/ogg", SentAt: time.Now()}
			for _, v := range []*store.VoiceMemo{analyse, transcribe} {
				if _, err := s.AddVoiceMemo(ctx, uid, v); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.SetTranscript(ctx, uid, analyse.ID, memoText, "en"); err != nil {
				t.Fatal(err)
			}
			if got := f.stranded(); len(got["bookmark_fetch"]) != 4 || len(got["media"]) != 3 || len(got["transcribe"]) != 1 || len(got["analyse"]) != 1 {
				t.Fatalf("stranded before the sweep: %+v", got)
			}

			// One sweep job does it all, in steps of two rows per kind, each
			// step queueing its continuation.
			if _, err := f.r.client.Insert(ctx, SweepArgs{}, nil); err != nil {
				t.Fatal(err)
			}
			f.eventually("every link is fetched", func() bool {
				for _, l := range links {
					if !f.fetched(l) {
						return false
					}
				}
				return true
			})
			f.eventually("every memo is transcribed and analysed", func() bool {
				ms := f.memos()
				for _, m := range ms {
					if m.Status != store.MemoTranscribed || !f.memoAnalysed(m.ID) {
						return false
					}
				}
				return len(ms) == 3
			})
			f.eventually("the image is stored", func() bool {
				_, err := s.ImageForMessage(ctx, uid, "c@s.whatsapp.net", "img")
				return err == nil
			})
			f.eventually("the gone media is recorded as failed", func() bool {
				reason, err := s.MediaFailure(ctx, uid, "c@s.whatsapp.net", "gone")
				return err == nil && reason == store.MediaFailedGone
			})
			if n := len(f.jobs("sweep", rivertype.JobStateCompleted)); n < 2 {
				t.Fatalf("%d sweep steps, want several", n)
			}
			f.expectNothingStranded()
			f.expectSweepFindsNothing()
			if j := f.jobs("media"); len(j) != 3 {
				t.Fatalf("%d media jobs for 3 messages not downloaded", len(j))
			}
		})
	}
}

// The sweep queues nothing that already has a job waiting or running.
func TestSweepIsIdempotent(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := dbtest.Open(t, d)
			f := newFixture(t, s, fixtureOptions{})
			if err := f.r.Stop(f.ctx); err != nil { // nothing is worked: jobs stay waiting
				t.Fatal(err)
			}
			link := "http://" + f.site + "/once"
			if _, err := f.r.AddBookmark(f.ctx, f.user.ID, link, link, "", ""); err != nil {
				t.Fatal(err)
			}
			f.ingest(voiceMessage("v"), store.Message{ID: "t", Type: "text", Text: "and " + link + "/other"})
			for range 2 {
				if n, err := f.r.Sweep(f.ctx); err != nil || len(n) != 0 {
					t.Fatalf("sweep queued %v (%v) beside waiting jobs", n, err)
				}
			}
			if len(f.jobs("bookmark_fetch")) != 1 || len(f.jobs("media")) != 1 {
				t.Fatalf("jobs: %d fetches, %d downloads", len(f.jobs("bookmark_fetch")), len(f.jobs("media")))
			}
		})
	}
}
