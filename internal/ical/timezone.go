package ical

import (
	"fmt"
	"strings"
	"time"
)

// maxTransitions bounds the walk over a zone's changes (a window of a few
// decades holds about a hundred).
const maxTransitions = 2000

// observance is one STANDARD or DAYLIGHT sub-component: a kind of offset
// change, and the wall-clock moments (in the offset before it) when it
// happens.
type observance struct {
	dst            bool
	name           string
	fromOff, toOff int
	onsets         []time.Time
}

// Timezone returns the VTIMEZONE of loc, whose TZID is loc's name, made
// from Go's time zone data: it describes every offset that loc uses in
// [from, to). Each kind of change (same offsets before and after, same
// abbreviation, daylight or not) is one STANDARD or DAYLIGHT observance,
// with its first onset as DTSTART and the later ones as RDATEs; the offset
// already in force at from is one more observance starting at from. A zone
// without changes in the window (UTC, or one without daylight saving time)
// is a single STANDARD observance.
//
// The VTIMEZONE says nothing about times outside the window: write those
// in UTC.
func Timezone(loc *time.Location, from, to time.Time) Component {
	start := from.In(loc)
	name, off := start.Zone()
	obs := []*observance{{dst: start.IsDST(), name: name, fromOff: off, toOff: off, onsets: []time.Time{start}}}
	type kind struct {
		dst            bool
		name           string
		fromOff, toOff int
	}
	byKey := map[kind]*observance{}
	prevName, prevOff, prevDST := name, off, start.IsDST()
	t := start
	for range maxTransitions {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) || !end.After(t) {
			break
		}
		e := end.In(loc)
		n, o := e.Zone()
		d := e.IsDST()
		if n != prevName || o != prevOff || d != prevDST {
			key := kind{dst: d, name: n, fromOff: prevOff, toOff: o}
			ob := byKey[key]
			if ob == nil {
				ob = &observance{dst: d, name: n, fromOff: prevOff, toOff: o}
				byKey[key] = ob
				obs = append(obs, ob)
			}
			ob.onsets = append(ob.onsets, end.In(time.FixedZone(prevName, prevOff)))
		}
		prevName, prevOff, prevDST, t = n, o, d, e
	}
	tz := Component{Name: "VTIMEZONE"}
	tz.Add("TZID", Text(loc.String()))
	for _, ob := range obs {
		c := Component{Name: "STANDARD"}
		if ob.dst {
			c.Name = "DAYLIGHT"
		}
		c.Add("DTSTART", Local(ob.onsets[0]))
		if len(ob.onsets) > 1 {
			dates := make([]string, len(ob.onsets)-1)
			for i, on := range ob.onsets[1:] {
				dates[i] = Local(on)
			}
			c.Add("RDATE", strings.Join(dates, ","))
		}
		c.Add("TZOFFSETFROM", Offset(ob.fromOff))
		c.Add("TZOFFSETTO", Offset(ob.toOff))
		if ob.name != "" {
			c.AddText("TZNAME", ob.name)
		}
		tz.Children = append(tz.Children, c)
	}
	return tz
}

// Offset formats a UTC offset in seconds as a UTC-OFFSET (+0100, -0330,
// +001215 for the odd historical offset with seconds).
func Offset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	h, m, s := sec/3600, sec/60%60, sec%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}
