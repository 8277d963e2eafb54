// Package ical writes iCalendar (RFC 5545) documents: components made of
// properties, written with CRLF line endings, lines folded at 75 octets
// without splitting a UTF-8 sequence, and TEXT values escaped. It only
// writes; what it writes is checked against an independent parser in its
// tests.
package ical

import (
	"bufio"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Param is one property parameter, such as TZID=Europe/Lisbon.
type Param struct {
	Name, Value string
}

// Prop is one content line. Value is written as it is, so it must already
// be in the property's value format: use Text for TEXT values and the
// time helpers for dates.
type Prop struct {
	Name   string
	Params []Param
	Value  string
}

// Component is a calendar component (VCALENDAR, VEVENT, VTODO, VTIMEZONE,
// STANDARD, DAYLIGHT, ...) with its properties and sub-components, in the
// order they are written.
type Component struct {
	Name     string
	Props    []Prop
	Children []Component
}

// Add appends a property whose value is already in its value format.
func (c *Component) Add(name, value string, params ...Param) {
	c.Props = append(c.Props, Prop{Name: name, Params: params, Value: value})
}

// AddText appends a TEXT property, escaping text.
func (c *Component) AddText(name, text string, params ...Param) {
	c.Add(name, Text(text), params...)
}

// AddUTC appends a DATE-TIME property in UTC (20260102T030405Z).
func (c *Component) AddUTC(name string, t time.Time) {
	c.Add(name, UTC(t))
}

// Text escapes s as an RFC 5545 TEXT value: backslash, semicolon and comma
// are escaped, every line break (CRLF, CR or LF) becomes \n, and the other
// control characters, which TEXT cannot hold, are dropped, as is invalid
// UTF-8.
func Text(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\r':
			b.WriteString(`\n`)
			if i+1 < len(s) && s[i+1] == '\n' {
				size++
			}
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// paramValue writes a parameter value, quoted when it holds a character
// that ends an unquoted one. Double quotes and control characters cannot
// be written at all and are dropped.
func paramValue(v string) string {
	v = strings.Map(func(r rune) rune {
		if r == '"' || (r < 0x20 && r != '\t') || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(v, ""))
	if strings.ContainsAny(v, ";:,") {
		return `"` + v + `"`
	}
	return v
}

// UTC formats t as a DATE-TIME in UTC (form 2 of RFC 5545 3.3.5).
func UTC(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// Local formats t's wall clock, in t's own location, as a DATE-TIME
// without a zone, to be written with a TZID parameter (form 3) or inside a
// VTIMEZONE.
func Local(t time.Time) string { return t.Format("20060102T150405") }

// Date formats the day of t, in t's own location, as a DATE.
func Date(t time.Time) string { return t.Format("20060102") }

// maxLine is the longest a content line may be, in octets, without its
// CRLF (RFC 5545 3.1).
const maxLine = 75

// Encode writes c and everything in it.
func Encode(w io.Writer, c Component) error {
	bw := bufio.NewWriter(w)
	writeComponent(bw, c)
	return bw.Flush()
}

// EncodeString is Encode into a string.
func EncodeString(c Component) string {
	var b strings.Builder
	_ = Encode(&b, c)
	return b.String()
}

func writeComponent(w *bufio.Writer, c Component) {
	writeLine(w, "BEGIN:"+c.Name)
	for _, p := range c.Props {
		var b strings.Builder
		b.WriteString(p.Name)
		for _, pa := range p.Params {
			b.WriteByte(';')
			b.WriteString(pa.Name)
			b.WriteByte('=')
			b.WriteString(paramValue(pa.Value))
		}
		b.WriteByte(':')
		b.WriteString(p.Value)
		writeLine(w, b.String())
	}
	for _, ch := range c.Children {
		writeComponent(w, ch)
	}
	writeLine(w, "END:"+c.Name)
}

// writeLine writes one content line, folded: no physical line is longer
// than 75 octets, continuation lines start with a space, and a fold never
// splits a UTF-8 sequence.
func writeLine(w *bufio.Writer, line string) {
	_, _ = w.WriteString(Fold(line))
}

// Fold returns line folded into physical lines of at most 75 octets, each
// ended by CRLF (RFC 5545 3.1).
func Fold(line string) string {
	var b strings.Builder
	b.Grow(len(line) + len(line)/maxLine*3 + 2)
	limit := maxLine
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8: cut anywhere rather than loop
			cut = limit
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}

// Calendar returns a VCALENDAR to publish as a subscription feed:
// VERSION 2.0, the Gregorian scale, METHOD:PUBLISH, and the name and time
// zone (an IANA name) that Google Calendar and Apple Calendar show and use
// (X-WR-CALNAME, X-WR-TIMEZONE). Add its VTIMEZONE and items as Children.
func Calendar(prodID, name, tzid string) Component {
	c := Component{Name: "VCALENDAR"}
	c.AddText("PRODID", prodID)
	c.Add("VERSION", "2.0")
	c.Add("CALSCALE", "GREGORIAN")
	c.Add("METHOD", "PUBLISH")
	c.AddText("X-WR-CALNAME", name)
	c.AddText("X-WR-TIMEZONE", tzid)
	return c
}
