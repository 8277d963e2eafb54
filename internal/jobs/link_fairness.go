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
// How long a fetch waits follows how long the fetches it waits for take
// (a moving average for the person or site at its limit): a slot of a fast
// site frees within a moment, one of a site that times out after ten
// seconds does not. A fetch that has to wait again waits twice as long, up
// to 16 times; every wait is ±25 % and between 100 ms and a minute. So a
// backlog of fast links drains at once, and a long backlog of slow ones
// costs few database writes.

const (
	// defaultFetchTime is what a fetch is assumed to take before any of
	// its person's or site's has finished.
	defaultFetchTime = time.Second
	// maxLinkSnoozeDoublings caps a wait at 16 times the first.
	maxLinkSnoozeDoublings = 4
	minLinkSnooze          = 100 * time.Millisecond
	maxLinkSnooze          = time.Minute
)

// slots bounds, on this node, how many of something run at once per key,
// and keeps how long they take.
type slots struct {
	mu   sync.Mutex
	max  int
	n    map[string]int
	took map[string]time.Duration // moving average of how long a slot was held
}

func newSlots(max int) *slots {
	return &slots{max: max, n: map[string]int{}, took: map[string]time.Duration{}}
}

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

// give gives back a slot of key held for held (0: not used, nothing to
// learn from). What is known of a key goes once none of its slots is
// taken.
func (s *slots) give(key string, held time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if avg, ok := s.took[key]; ok && held > 0 {
		s.took[key] = (3*avg + held) / 4
	} else if held > 0 {
		s.took[key] = held
	}
	if s.n[key]--; s.n[key] <= 0 {
		delete(s.n, key)
		delete(s.took, key)
	}
}

// fetchTime is how long key's slots are held, on average.
func (s *slots) fetchTime(key string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.took[key]; ok {
		return d
	}
	return defaultFetchTime
}

// takeLinkSlots takes a slot of the user and one of the link's site, or
// neither. When it takes them, release gives them back; when it does not,
// wait is how long the fetches at the limit take.
func (r *Runner) takeLinkSlots(userID, link string) (release func(), wait time.Duration, ok bool) {
	host := linkHost(link)
	if !r.userFetches.take(userID) {
		return nil, r.userFetches.fetchTime(userID), false
	}
	if !r.hostFetches.take(host) {
		r.userFetches.give(userID, 0)
		return nil, r.hostFetches.fetchTime(host), false
	}
	start := time.Now()
	return func() {
		held := time.Since(start)
		r.hostFetches.give(host, held)
		r.userFetches.give(userID, held)
	}, 0, true
}

// linkSnooze is how long a fetch over its limits waits, when the fetches it
// waits for take about fetchTime and it has waited snoozes times already.
func (r *Runner) linkSnooze(fetchTime time.Duration, snoozes int) time.Duration {
	if r.o.linkSnooze > 0 {
		fetchTime = r.o.linkSnooze
	}
	d := fetchTime << min(max(snoozes, 0), maxLinkSnoozeDoublings)
	d = d*3/4 + rand.N(d/2+1)
	return min(max(d, minLinkSnooze), maxLinkSnooze)
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
