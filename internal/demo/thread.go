package demo

import (
	"fmt"
	"strconv"
	"time"
)

// A topic starts a conversation: it picks a chat and writes the
// conversation's messages, each some beats after the one before.
type topic func(g *Generator, base time.Time) *thread

// tr is one sentence template in each language.
type tr [numLangs]string

// words are vocabulary entries (templates themselves) in each language.
type words [numLangs][]string

// thread is a conversation being written: its chat, its language, the
// variables its templates share, and its messages.
type thread struct {
	g    *Generator
	chat *chat
	lang lang
	base time.Time
	vars map[string]string
	msgs []msg
}

// newThread starts a conversation in c, written in l, about base's time.
// It sets the variables every template may use: first (a member's first
// name), you (the name of whom a reply answers, set by the topic; empty
// when that is the demo user), name (someone else's), city and spot (a city of the chat and a
// place there), n, n2, n3, n4 (numbers), tag (a hashtag without "#").
func (g *Generator) newThread(c *chat, l lang, base time.Time) *thread {
	t := &thread{g: g, chat: c, lang: l, base: base, vars: map[string]string{}}
	pool := c.members
	if len(pool) == 0 {
		pool = speakers(l)
	}
	first := pool[g.rng.IntN(len(pool))]
	t.set("first", first.first())
	t.set("you", "")
	others := speakers(l)
	other := others[g.rng.IntN(len(others))]
	for other == first {
		other = others[g.rng.IntN(len(others))]
	}
	t.set("name", other.first())
	cities := c.cities
	if len(cities) == 0 {
		cities = []string{first.city}
	}
	city := cities[g.rng.IntN(len(cities))]
	t.set("city", city)
	t.set("spot", t.placeIn(city).name)
	t.set("n", strconv.Itoa(2+g.rng.IntN(60)))
	t.set("n2", strconv.Itoa(10+g.rng.IntN(90)))
	t.set("n3", strconv.Itoa(35+5*g.rng.IntN(20)))
	t.set("n4", fmt.Sprintf("%04d", g.rng.IntN(10000)))
	t.set("tag", t.word(tags))
	t.setMoment("", t.moment(whenOptions{}))
	return t
}

// speakers are the people who write in l.
func speakers(l lang) []*person {
	var out []*person
	for _, p := range everyone {
		if p.lang == l {
			out = append(out, p)
		}
	}
	return out
}

func (t *thread) set(k, v string) { t.vars[k] = v }

// answering sets "you" to p's first name, or to nothing when p is the demo
// user.
func (t *thread) answering(p *person) {
	if p == nil {
		t.set("you", "")
		return
	}
	t.set("you", p.first())
}

// setWords sets variables to words: name, vocabulary, name, vocabulary...
func (t *thread) setWords(pairs ...any) {
	for i := 0; i < len(pairs); i += 2 {
		t.set(pairs[i].(string), t.word(pairs[i+1].(words)))
	}
}

// pick is one of list, at random.
func pick[T any](g *Generator, list []T) T { return list[g.rng.IntN(len(list))] }

// word is a random entry of w in the thread's language, filled in.
func (t *thread) word(w words) string { return expand(t.g.rng, pick(t.g, w[t.lang]), t.vars) }

// text fills the template in the thread's language.
func (t *thread) text(s tr) string { return expand(t.g.rng, s[t.lang], t.vars) }

// moment picks a day and time after the conversation's time.
func (t *thread) moment(o whenOptions) moment { return pickMoment(t.g.rng, t.lang, t.base, o) }

// setMoment sets the variables of a moment, named with suffix: when ("on
// Saturday at 11"), day ("on Saturday"), short ("Saturday"), Short
// (capitalised) and clock ("at 11").
func (t *thread) setMoment(suffix string, m moment) {
	t.set("when"+suffix, m.phrase)
	t.set("day"+suffix, m.day)
	t.set("short"+suffix, m.short)
	t.set("Short"+suffix, capitalise(m.short))
	t.set("clock"+suffix, m.clock)
}

// placeIn is a place in city (any place when there is none).
func (t *thread) placeIn(city string) *place {
	var in []*place
	for _, p := range places {
		if p.city == city {
			in = append(in, p)
		}
	}
	if len(in) == 0 {
		in = places
	}
	return pick(t.g, in)
}

// member is a member of the chat other than those given (the friend, in a
// direct chat); nil in the chat with oneself.
func (t *thread) member(not ...*person) *person {
	var pool []*person
	for _, p := range t.chat.members {
		skip := false
		for _, n := range not {
			skip = skip || n == p
		}
		if !skip {
			pool = append(pool, p)
		}
	}
	if len(pool) == 0 {
		if len(t.chat.members) == 0 {
			return nil
		}
		return pick(t.g, t.chat.members)
	}
	return pick(t.g, pool)
}

// someone is the demo user (nil) now and then, else a member other than
// those given.
func (t *thread) someone(not ...*person) *person {
	meToo := true
	for _, n := range not {
		meToo = meToo && n != nil
	}
	if meToo && t.g.rng.IntN(4) == 0 {
		return nil
	}
	return t.member(not...)
}

func (t *thread) add(m msg) {
	m.chat, m.lang = t.chat, t.lang
	m.text = sentence(m.text)
	t.msgs = append(t.msgs, m)
}

func (t *thread) say(from *person, after int, s tr) {
	t.add(msg{from: from, kind: "text", text: t.text(s), after: after})
}

func (t *thread) photo(from *person, after int, picture string, caption tr) {
	t.add(msg{from: from, kind: "image", text: t.text(caption), picture: picture, after: after})
}

func (t *thread) voice(from *person, after int) {
	t.add(msg{from: from, kind: "voice", after: after})
}

func (t *thread) location(from *person, after int, p *place) {
	t.add(msg{from: from, kind: "location", place: p, after: after})
}

func (t *thread) document(from *person, after int, file string, caption tr) {
	t.add(msg{from: from, kind: "document", text: t.text(caption), file: file, after: after})
}

func (t *thread) card(from *person, after int, c contact) {
	t.add(msg{from: from, kind: "contact", card: &c, after: after})
}

// later is a gap of lo to hi beats.
func (t *thread) later(lo, hi int) int { return lo + t.g.rng.IntN(hi-lo+1) }

// beats cuts the conversation where a message comes beats later.
func (t *thread) beats() [][]msg {
	var out [][]msg
	for i, m := range t.msgs {
		if i == 0 || m.after > 0 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], m)
	}
	return out
}

// Choosing chats. While Backfill writes a group's day, every conversation
// is in that group (g.only).

// direct is a direct chat with someone of the cast.
func (g *Generator) dm() *chat {
	if g.only != nil {
		return g.only
	}
	return direct(pick(g, everyone))
}

func (g *Generator) group() *chat {
	if g.only != nil {
		return g.only
	}
	return pick(g, groups)
}

// anyChat is a direct chat a little more often than a group.
func (g *Generator) anyChat() *chat {
	if g.rng.IntN(20) < 11 {
		return g.dm()
	}
	return g.group()
}

// selfThread is a note to self, in any of the three languages.
func (g *Generator) selfThread(base time.Time) *thread {
	return g.newThread(self, lang(g.rng.IntN(int(numLangs))), base)
}
