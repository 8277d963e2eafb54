package web

import (
	"fmt"
	"github.com/synapse-kb/synapse/internal/domain"
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// funcs are the template functions. Those returning template.HTML build
// markup from escaped pieces only (and are fuzzed to prove it).
func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":     h.assetURL,
		"linkify":   linkify,
		"highlight": highlight,
		"phone":     phoneFromJID,
		"osm":       osmURL,
		"size":      humanSize,
		"add": func(n ...int) int {
			t := 0
			for _, x := range n {
				t += x
			}
			return t
		},
		"clock":             clockDuration,
		"pathEscape":        url.PathEscape,
		"queryEscape":       url.QueryEscape,
		"typeLabel":         typeLabel,
		"rest":              restAfterTitle,
		"chatLabel":         chatLabel,
		"statusLabel":       statusLabel,
		"historyCounts":     historyCounts,
		"float":             func(f *float64) float64 { return *f },
		"at":                func(t *time.Time) time.Time { return *t },
		"coord":             func(f *float64) string { return formatCoord(f) },
		"hostOf":            hostOf,
		"prettyURL":         prettyURL,
		"timezones":         func() []string { return validate.Timezones },
		"tokenLifetimes":    func() []string { return tokenLifetimes },
		"disabledBySynapse": disabledBySynapse,
		"item":              func(p *page, x any) itemArgs { return itemArgs{P: p, X: x} },
		"tags": func(p *page, kind string, id string, tags []string) tagArgs {
			return tagArgs{P: p, Kind: domain.Kind(kind), ID: id, Tags: tags}
		},
		// dueOf is a suggestion's due date as a task's, for page.Due.
		"dueOf":    func(g store.Suggestion) store.Task { return store.Task{Due: g.Due, DueHasTime: g.DueHasTime} },
		"mentions": func(coll, id string, n int) mentionArgs { return mentionArgs{Coll: coll, ID: id, N: n} },
	}
}

// itemArgs hands a partial both the page and one item of a list.
type itemArgs struct {
	P *page
	X any
}

// linkify escapes text and turns the http(s) links in it into <a> elements,
// finding links exactly as bookmarks do (knowledge.ExtractLinks). Nothing
// else of the text becomes markup.
func linkify(text string) template.HTML {
	links := knowledge.ExtractLinks(text)
	if len(links) == 0 {
		return template.HTML(html.EscapeString(text))
	}
	var b strings.Builder
	b.Grow(len(text) + 64*len(links))
	rest := text
	for _, link := range links {
		written := link
		i := strings.Index(rest, written)
		if i < 0 {
			// A bare domain comes back with https:// in front.
			written = strings.TrimPrefix(link, "https://")
			i = strings.Index(rest, written)
		}
		if i < 0 || written == "" {
			continue
		}
		b.WriteString(html.EscapeString(rest[:i]))
		b.WriteString(`<a href="`)
		b.WriteString(html.EscapeString(link))
		b.WriteString(`" rel="noopener noreferrer nofollow" target="_blank">`)
		b.WriteString(html.EscapeString(written))
		b.WriteString(`</a>`)
		rest = rest[i+len(written):]
	}
	b.WriteString(html.EscapeString(rest))
	return template.HTML(b.String())
}

// highlight escapes text and wraps in <mark> each word that a search term
// matches (the start of the word, accents and case aside, as search
// matches). Only <mark> becomes markup.
func highlight(text string, terms []string) template.HTML {
	if len(terms) == 0 {
		return template.HTML(html.EscapeString(text))
	}
	var b strings.Builder
	b.Grow(len(text) + 16)
	for len(text) > 0 {
		// A word is a run of letters and digits; everything between words
		// is copied as it is.
		start := strings.IndexFunc(text, isWordRune)
		if start < 0 {
			b.WriteString(html.EscapeString(text))
			break
		}
		b.WriteString(html.EscapeString(text[:start]))
		text = text[start:]
		end := strings.IndexFunc(text, func(r rune) bool { return !isWordRune(r) })
		if end < 0 {
			end = len(text)
		}
		word := text[:end]
		text = text[end:]
		if matchesTerm(word, terms) {
			b.WriteString("<mark>")
			b.WriteString(html.EscapeString(word))
			b.WriteString("</mark>")
		} else {
			b.WriteString(html.EscapeString(word))
		}
	}
	return template.HTML(b.String())
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r))
}

func matchesTerm(word string, terms []string) bool {
	f := strings.TrimSpace(store.Fold(word))
	if f == "" {
		return false
	}
	for _, t := range terms {
		if t != "" && strings.HasPrefix(f, t) {
			return true
		}
	}
	return false
}

// searchTerms are the folded words of a query, as search uses them.
func searchTerms(q string) []string {
	terms := strings.Fields(store.Fold(q))
	if len(terms) > 8 {
		terms = terms[:8]
	}
	return terms
}

// phoneFromJID shows a person's JID as a phone number (+digits); other
// JIDs are shown as they are.
func phoneFromJID(jid string) string {
	if n := domain.PhoneNumber(jid); n != "" {
		return n
	}
	return jid
}

// chatLabel is a chat's name, or its phone number when it has none.
func chatLabel(c store.Chat) string {
	if strings.TrimSpace(c.Name) != "" {
		return c.Name
	}
	if c.IsGroup {
		return "Unnamed group"
	}
	return phoneFromJID(c.ID)
}

// osmURL opens a place on OpenStreetMap.
func osmURL(lat, lon float64) string {
	la, lo := strconv.FormatFloat(lat, 'f', 6, 64), strconv.FormatFloat(lon, 'f', 6, 64)
	return "https://www.openstreetmap.org/?mlat=" + la + "&mlon=" + lo + "#map=17/" + la + "/" + lo
}

func formatCoord(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// humanSize is a byte count for people.
func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

// clockDuration is seconds as m:ss.
func clockDuration(s int) string {
	if s <= 0 {
		return ""
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// hostOf is a URL's host, for showing where a link goes.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// statusLabel says a session status in words.
// historyCounts says how many chats and messages a history import stored,
// as the dashboard's script says it on a live update.
func historyCounts(h *whatsapp.HistoryProgress) string {
	return plural(h.Chats, "chat", "chats") + ", " + plural(h.Messages, "message", "messages")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func statusLabel(s whatsapp.Status) string {
	switch s {
	case whatsapp.StatusStopped:
		return "Not connected"
	case whatsapp.StatusStarting:
		return "Starting…"
	case whatsapp.StatusScanQR:
		return "Waiting for the QR scan"
	case whatsapp.StatusWorking:
		return "Connected"
	case whatsapp.StatusFailed:
		return "Failed"
	}
	return string(s)
}

// typeLabel names a message type for a preview without text.
func typeLabel(t string) string {
	switch t {
	case "image":
		return "📷 Photo"
	case "voice":
		return "🎤 Voice message"
	case "audio":
		return "Audio"
	case "video":
		return "Video"
	case "document":
		return "📄 Document"
	case "location":
		return "📍 Location"
	case "contact":
		return "Contact"
	case "sticker":
		return "Sticker"
	}
	return "Message"
}

// restAfterTitle is what a body adds to its title: items made from a
// message take their title from its first words, so a body that starts
// with the title (an ellipsis aside) shows only the rest.
func restAfterTitle(title, body string) string {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(title), "…"))
	b := strings.TrimSpace(body)
	if t == "" || len(b) < len(t) || !strings.EqualFold(b[:len(t)], t) {
		return b
	}
	return strings.TrimLeft(b[len(t):], " \t\n\r.,;:-–—")
}

// prettyURL is a link as people read it, for a bookmark without a title:
// no scheme or "www.", escapes decoded, at most 90 characters.
func prettyURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	out := strings.TrimPrefix(u.Hostname(), "www.")
	if p, err := url.PathUnescape(u.EscapedPath()); err == nil && p != "/" {
		out += p
	}
	if utf8.RuneCountInString(out) > 90 {
		r := []rune(out)
		out = string(r[:89]) + "…"
	}
	return out
}

// mentionArgs are the "mentions" template's: an item (by its API
// collection and id) and how many messages gave it.
type mentionArgs struct {
	Coll, ID string
	N        int
}
