package jobs

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Link previews are fetched fairly: a person's fetches, and a site's, take
// at most a few of the links queue's workers at once (Options.LinkFetchesPerUser,
// LinkFetchesPerHost, on each node). A fetch over either limit is not
// worked now but snoozed, which gives its worker to the next job in the
// queue, someone else's; snoozing does not use up one of the job's
// attempts. So one person sharing forty links to a slow site holds two
// workers, not all eight, and everyone else's previews go by.
//
// A fetch that has to wait again waits longer (2 s, 4 s, … up to 32 s, each
// ±25 %), so that a long backlog costs few database writes.

// defaultLinkSnooze is how long a fetch over its limits first waits.
const defaultLinkSnooze = 2 * time.Second

// maxLinkSnoozeDoublings caps the wait at 16 times the first.
const maxLinkSnoozeDoublings = 4

// slots bounds, on this node, how many of something run at once per key.
type slots struct {
	mu  sync.Mutex
	max int
	n   map[string]int
}

func newSlots(max int) *slots { return &slots{max: max, n: map[string]int{}} }

// take takes one of key's slots, or reports false when all are taken.
// Every true must be followed by one give.
func (s *slots) take(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[key] >= s.max {
		return false
	}
	s.n[key]++
	return true
}

func (s *slots) give(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[key]--; s.n[key] <= 0 {
		delete(s.n, key)
	}
}

// takeLinkSlots takes a slot of the user and one of the link's host, or
// neither; release gives back what it took.
func (r *Runner) takeLinkSlots(userID, link string) (release func(), ok bool) {
	host := linkHost(link)
	if !r.userFetches.take(userID) {
		return nil, false
	}
	if !r.hostFetches.take(host) {
		r.userFetches.give(userID)
		return nil, false
	}
	return func() {
		r.hostFetches.give(host)
		r.userFetches.give(userID)
	}, true
}

// linkSnooze is how long a fetch over its limits waits, after it has
// waited snoozes times already.
func (r *Runner) linkSnooze(snoozes int) time.Duration {
	d := r.o.linkSnooze
	if d <= 0 {
		d = defaultLinkSnooze
	}
	d <<= min(max(snoozes, 0), maxLinkSnoozeDoublings)
	return d*3/4 + rand.N(d/2+1)
}

// snoozes is how many times River snoozed a job before (its metadata's
// "snoozes").
func snoozes(metadata []byte) int {
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	_ = json.Unmarshal(metadata, &m)
	return m.Snoozes
}

// linkHost is the site a link's preview is fetched from (its host and
// port, in lower case), or the link itself when it does not parse.
func linkHost(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return link
	}
	return strings.ToLower(u.Host)
}
