package jobs

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// heldSite is a slow site: it answers no page until released, and counts
// the requests it holds.
type heldSite struct {
	host    string
	release chan struct{}

	mu                  sync.Mutex
	inFlight, max, done int
}

func newHeldSite(t *testing.T) *heldSite {
	h := &heldSite{release: make(chan struct{})}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(h.open)
	u, _ := url.Parse(srv.URL)
	h.host = u.Host
	return h
}

func (h *heldSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.inFlight++
	h.max = max(h.max, h.inFlight)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.inFlight--
		h.mu.Unlock()
	}()
	select {
	case <-h.release:
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, "<!doctype html><title>Slow %s</title>", r.URL.Path)
	h.mu.Lock()
	h.done++
	h.mu.Unlock()
}

func (h *heldSite) open() {
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

func (h *heldSite) counts() (inFlight, max, done int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.inFlight, h.max, h.done
}

// One person's forty slow links hold two of the eight workers; another
// person's link is fetched while all forty still wait. Several people's
// links to one slow site hold at most four.
func TestLinkPreviewsAreFair(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			s := dbtest.Open(t, d)
			slow, crowded := newHeldSite(t), newHeldSite(t)
			f := newFixture(t, s, fixtureOptions{hosts: []string{slow.host, crowded.host},
				Options: Options{LinkWorkers: 8, linkSnooze: 50 * time.Millisecond}})
			ctx := f.ctx
			newUser := func(email string) store.User {
				u, err := s.CreateUser(ctx, store.User{Email: email, Name: email, PasswordHash: "x"})
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			add := func(u store.User, link string) {
				t.Helper()
				if _, err := f.r.AddBookmark(ctx, u.ID, link, link, "", ""); err != nil {
					t.Fatal(err)
				}
			}
			fetched := func(u store.User, link string) bool {
				p, err := s.ListBookmarks(ctx, u.ID, store.ItemFilter{}, store.ListOptions{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range p.Items {
					if b.URL == link {
						return b.Status == store.BookmarkFetched
					}
				}
				return false
			}

			ana, bruno := f.user, newUser("bruno@example.com")
			var anas []string
			for i := range 40 {
				anas = append(anas, fmt.Sprintf("http://%s/ana/%d", slow.host, i))
				add(ana, anas[i])
			}
			f.eventually("two of ana's fetches reach the slow site", func() bool { n, _, _ := slow.counts(); return n == 2 })
			brunos := "http://" + f.site + "/bruno"
			add(bruno, brunos)
			f.eventually("bruno's preview is fetched", func() bool { return fetched(bruno, brunos) })
			if _, most, done := slow.counts(); done != 0 || most != 2 {
				t.Fatalf("when bruno's preview was fetched, ana had had %d fetches at once and %d done; want 2 and none", most, done)
			}
			slow.open()
			f.eventually("ana's previews are all fetched", func() bool {
				for _, l := range anas {
					if !fetched(ana, l) {
						return false
					}
				}
				return true
			})
			if _, most, _ := slow.counts(); most != 2 {
				t.Fatalf("ana had %d fetches at once, more than her 2", most)
			}

			// Three people, ten links each, to one slow site: four at once.
			var all []struct {
				u    store.User
				link string
			}
			for i, email := range []string{"carla@example.com", "dora@example.com", "eva@example.com"} {
				u := newUser(email)
				for j := range 10 {
					link := fmt.Sprintf("http://%s/%d/%d", crowded.host, i, j)
					add(u, link)
					all = append(all, struct {
						u    store.User
						link string
					}{u, link})
				}
			}
			f.eventually("four fetches reach the crowded site", func() bool { n, _, _ := crowded.counts(); return n == 4 })
			other := "http://" + f.site + "/bruno-again"
			add(bruno, other)
			f.eventually("bruno's second preview is fetched", func() bool { return fetched(bruno, other) })
			if _, most, done := crowded.counts(); done != 0 || most != 4 {
				t.Fatalf("when bruno's preview was fetched, the crowded site had had %d fetches at once and %d done; want 4 and none", most, done)
			}
			crowded.open()
			f.eventually("every preview of the crowded site is fetched", func() bool {
				for _, x := range all {
					if !fetched(x.u, x.link) {
						return false
					}
				}
				return true
			})
			if _, most, _ := crowded.counts(); most != 4 {
				t.Fatalf("the crowded site had %d fetches at once, more than 4", most)
			}
		})
	}
}

func TestLinkSlotsAndSnoozes(t *testing.T) {
	r := &Runner{o: Options{}, userFetches: newSlots(2), hostFetches: newSlots(3)}
	var releases []func()
	for i, c := range []struct {
		user, link string
		ok         bool
	}{
		{"a", "https://slow.example/1", true}, {"a", "https://SLOW.example/2", true}, {"a", "https://other.example/", false},
		{"b", "https://slow.example/3", true}, {"c", "https://slow.example/4", false}, {"c", "https://slow.example:8443/", true},
	} {
		release, wait, ok := r.takeLinkSlots(c.user, c.link)
		if ok != c.ok || (!ok && wait != defaultFetchTime) {
			t.Fatalf("%d: %s %s: %v %v", i, c.user, c.link, ok, wait)
		}
		if ok {
			releases = append(releases, release)
		}
	}
	// What a fetch waits follows how long the fetches it waits for take.
	r.userFetches.give("a", 0)
	r.userFetches.take("a")
	r.hostFetches.give("slow.example", 8*time.Second)
	r.hostFetches.take("slow.example")
	if _, wait, ok := r.takeLinkSlots("c", "https://slow.example/5"); ok || wait != 8*time.Second {
		t.Fatalf("the full site: %v %v", wait, ok)
	}
	if _, wait, ok := r.takeLinkSlots("a", "https://other.example/"); ok || wait != defaultFetchTime {
		t.Fatalf("the full person, whose fetches took nothing yet: %v %v", wait, ok)
	}
	releases[0]()
	if release, _, ok := r.takeLinkSlots("c", "https://slow.example/5"); !ok {
		t.Fatal("a freed slot was not taken")
	} else {
		release()
	}
	for _, release := range releases[1:] {
		release()
	}
	if len(r.userFetches.n) != 0 || len(r.hostFetches.n) != 0 || len(r.userFetches.took) != 0 || len(r.hostFetches.took) != 0 {
		t.Fatalf("slots left taken: %v %v", r.userFetches.n, r.hostFetches.n)
	}
	for n := range 8 {
		want := 2 * time.Second << min(n, maxLinkSnoozeDoublings)
		if d := r.linkSnooze(2*time.Second, n); d < want*3/4 || d > min(want*5/4, maxLinkSnooze) {
			t.Fatalf("snooze after %d: %v, want about %v", n, d, want)
		}
	}
	if d := r.linkSnooze(time.Millisecond, 0); d != minLinkSnooze {
		t.Fatalf("snooze for fast fetches: %v", d)
	}
	if snoozes([]byte(`{"snoozes": 3}`)) != 3 || snoozes(nil) != 0 {
		t.Fatal("snooze count from metadata")
	}
}
