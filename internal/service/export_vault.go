package service

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/store"
	tagsOf "github.com/synapse-kb/synapse/internal/tags"
)

// The vault: vault/YYYY-MM-DD.md, one note per day that has anything, and
// vault/media/ with the files those notes embed. Every list is read newest
// first, page by page; since each is ordered by time, the day of its items
// (in the person's time zone) only goes down, and a merge of the lists'
// heads yields one day at a time. Summaries are read by the day they
// summarise.

// vaultSection is a heading of a day note, in the order notes show them.
type vaultSection int

const (
	secTasks vaultSection = iota
	secNotes
	secIdeas
	secBookmarks
	secPlaces
	secEvents
	secImages
	secVoiceMemos
	secSummaries
	numSections
)

var sectionNames = [numSections]struct{ heading, key string }{
	{"Tasks", "tasks"}, {"Notes", "notes"}, {"Ideas", "ideas"}, {"Bookmarks", "bookmarks"},
	{"Places", "places"}, {"Events", "events"}, {"Images", "images"}, {"Voice memos", "voice_memos"}, {"Group summaries", "summaries"},
}

// vaultEntry is one item of a day note.
type vaultEntry struct {
	day string
	sec vaultSection
	md  string
	// file is embedded after md and written under vault/media/; tail
	// follows it.
	file *vaultFile
	tail string
	// tags are the item's: inline after md, and in the note's front matter.
	tags []string
}

// tagged returns v with the item's tags, written as Obsidian tags after
// its first line unless it says them already (a tag of digits alone is not
// one in Obsidian: it stays in the front matter only).
func (v vaultEntry) tagged(tags []string) vaultEntry {
	v.tags = tags
	first, rest, _ := strings.Cut(v.md, "\n")
	written := tagsOf.Parse(first) // hashtags the text has already
	var inline strings.Builder
	for _, t := range tags {
		if strings.IndexFunc(t, unicode.IsLetter) >= 0 && !slices.Contains(written, t) {
			inline.WriteString(" #" + t)
		}
	}
	if inline.Len() > 0 {
		v.md = first + inline.String()
		if rest != "" {
			v.md += "\n" + rest
		}
	}
	return v
}

type vaultFile struct {
	name, hash string
}

// vaultStream reads one list a page at a time.
type vaultStream struct {
	fetch  func(cursor string) ([]vaultEntry, string, error)
	buf    []vaultEntry
	cursor string
	done   bool
}

// head returns the stream's next entry, reading a page when needed.
func (v *vaultStream) head() (*vaultEntry, error) {
	for len(v.buf) == 0 {
		if v.done {
			return nil, nil
		}
		items, next, err := v.fetch(v.cursor)
		if err != nil {
			return nil, err
		}
		v.buf, v.cursor, v.done = items, next, next == ""
	}
	return &v.buf[0], nil
}

func streamOf[T any](list func(o store.ListOptions) (store.Page[T], error), entry func(*T) vaultEntry) *vaultStream {
	return &vaultStream{fetch: func(cursor string) ([]vaultEntry, string, error) {
		p, err := list(store.ListOptions{Limit: exportPage, Cursor: cursor})
		if err != nil {
			return nil, "", fmt.Errorf("service: export vault: %w", err)
		}
		out := make([]vaultEntry, len(p.Items))
		for i := range p.Items {
			out[i] = entry(&p.Items[i])
		}
		return out, p.NextCursor, nil
	}}
}

func (e *exporter) vault() error {
	st, ctx, uid := e.s.o.Store, e.ctx, e.userID
	streams := []*vaultStream{
		streamOf(func(o store.ListOptions) (store.Page[store.Task], error) {
			return st.ListTasks(ctx, uid, store.TaskFilter{}, o)
		}, e.taskEntry),
		streamOf(func(o store.ListOptions) (store.Page[store.Note], error) {
			return st.ListNotes(ctx, uid, domain.KindNote, store.ItemFilter{}, o)
		}, func(n *store.Note) vaultEntry { return e.noteEntry(secNotes, n) }),
		streamOf(func(o store.ListOptions) (store.Page[store.Note], error) {
			return st.ListNotes(ctx, uid, domain.KindIdea, store.ItemFilter{}, o)
		}, func(n *store.Note) vaultEntry { return e.noteEntry(secIdeas, n) }),
		streamOf(func(o store.ListOptions) (store.Page[store.Bookmark], error) {
			return st.ListBookmarks(ctx, uid, store.ItemFilter{}, o)
		}, e.bookmarkEntry),
		streamOf(func(o store.ListOptions) (store.Page[store.Location], error) {
			return st.ListLocations(ctx, uid, store.ItemFilter{}, o)
		}, e.placeEntry),
		streamOf(func(o store.ListOptions) (store.Page[store.Event], error) {
			return st.ListEvents(ctx, uid, store.EventFilter{Desc: true}, o)
		}, e.eventEntry),
		streamOf(func(o store.ListOptions) (store.Page[store.Image], error) {
			return st.ListImages(ctx, uid, store.ImageFilter{}, o)
		}, e.imageEntry),
		streamOf(func(o store.ListOptions) (store.Page[store.VoiceMemo], error) {
			return st.ListVoiceMemos(ctx, uid, store.ItemFilter{}, o)
		}, e.memoEntry),
		streamOf(func(o store.ListOptions) (store.Page[store.Summary], error) {
			return st.ListSummariesByDay(ctx, uid, o)
		}, e.summaryEntry),
	}
	var note dayNote
	for {
		day := ""
		for _, s := range streams {
			h, err := s.head()
			if err != nil {
				return err
			}
			if h != nil && h.day > day {
				day = h.day
			}
		}
		if day == "" {
			return nil
		}
		note.reset(day)
		for _, s := range streams {
			for {
				h, err := s.head()
				if err != nil {
					return err
				}
				if h == nil || h.day != day {
					break
				}
				note.add(*h)
				s.buf = s.buf[1:]
			}
		}
		if err := e.writeDay(&note); err != nil {
			return err
		}
	}
}

// dayNote collects one day's entries, newest first as they come.
type dayNote struct {
	day     string
	entries [numSections][]vaultEntry
}

func (d *dayNote) reset(day string) {
	d.day = day
	for i := range d.entries {
		d.entries[i] = d.entries[i][:0]
	}
}

func (d *dayNote) add(v vaultEntry) { d.entries[v.sec] = append(d.entries[v.sec], v) }

// writeDay writes the day's media files, then its note (zip entries are
// written one after the other).
func (e *exporter) writeDay(d *dayNote) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "---\ndate: %s\n", d.day)
	for i, es := range d.entries {
		fmt.Fprintf(&b, "%s: %d\n", sectionNames[i].key, len(es))
	}
	b.WriteString("tags: [synapse")
	seen := map[string]bool{}
	var tags []string
	for _, es := range d.entries {
		for _, v := range es {
			for _, t := range v.tags {
				if !seen[t] {
					seen[t] = true
					tags = append(tags, t)
				}
			}
		}
	}
	slices.Sort(tags)
	for _, t := range tags {
		b.WriteString(`, "` + t + `"`) // letters, digits, _ and -: nothing to escape
	}
	b.WriteString("]\n---\n\n# " + d.day + "\n")
	for i, es := range d.entries {
		if len(es) == 0 {
			continue
		}
		b.WriteString("\n## " + sectionNames[i].heading + "\n\n")
		// Oldest first within a day, as it happened.
		for j := len(es) - 1; j >= 0; j-- {
			v := es[j]
			b.WriteString(v.md)
			if v.file != nil {
				ok, err := e.mediaFile(v.file)
				if err != nil {
					return err
				}
				if ok {
					b.WriteString("\n\n  ![](media/" + v.file.name + ")")
				} else {
					b.WriteString("\n\n  *(file not downloaded)*")
				}
				b.WriteString(v.tail)
			}
			b.WriteString("\n")
		}
	}
	f, err := e.create("vault/"+d.day+".md", true)
	if err != nil {
		return err
	}
	_, err = f.Write(b.Bytes())
	return err
}

// mediaFile copies one of the user's blobs into vault/media/; false when
// there is no such blob (not downloaded, or no file store).
func (e *exporter) mediaFile(v *vaultFile) (bool, error) {
	if e.s.o.Blobs == nil || v.hash == "" {
		return false, nil
	}
	rc, _, err := e.s.o.Blobs.Open(e.ctx, e.userID, v.hash)
	if errors.Is(err, media.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("service: export media: %w", err)
	}
	defer rc.Close()
	f, err := e.create("vault/media/"+v.name, false)
	if err != nil {
		return false, err
	}
	if _, err := io.Copy(f, rc); err != nil {
		return false, fmt.Errorf("service: export media: %w", err)
	}
	return true, nil
}

func (e *exporter) dayOf(t time.Time) string { return t.In(e.loc).Format("2006-01-02") }

func (e *exporter) clock(t time.Time) string { return t.In(e.loc).Format("15:04") }

// inline makes text fit on one Markdown line.
func inline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("[", "\\[", "]", "\\]").Replace(s)
}

// block quotes multi-line text under a list item.
func block(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return "\n    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func (e *exporter) taskEntry(t *store.Task) vaultEntry {
	box := " "
	if t.Done {
		box = "x"
	}
	md := "- [" + box + "] " + inline(t.Title)
	if t.Due != nil {
		due := t.Due.In(e.loc)
		if t.DueHasTime {
			md += " (due " + due.Format("2006-01-02 15:04") + ")"
		} else {
			md += " (due " + due.Format("2006-01-02") + ")"
		}
	}
	return vaultEntry{day: e.dayOf(t.CreatedAt), sec: secTasks, md: md + block(t.Body)}.tagged(t.Tags)
}

func (e *exporter) noteEntry(sec vaultSection, n *store.Note) vaultEntry {
	md := "- **" + inline(n.Title) + "** (" + e.clock(n.CreatedAt) + ")" + block(n.Body)
	return vaultEntry{day: e.dayOf(n.CreatedAt), sec: sec, md: md}.tagged(n.Tags)
}

func (e *exporter) bookmarkEntry(b *store.Bookmark) vaultEntry {
	title := b.Title
	if strings.TrimSpace(title) == "" {
		title = b.URL
	}
	md := "- [" + inline(title) + "](<" + strings.ReplaceAll(b.URL, ">", "%3E") + ">)"
	if d := inline(b.Description); d != "" {
		md += ": " + d
	}
	return vaultEntry{day: e.dayOf(b.CreatedAt), sec: secBookmarks, md: md}.tagged(b.Tags)
}

func (e *exporter) placeEntry(l *store.Location) vaultEntry {
	md := "- **" + inline(l.Name) + "**"
	if a := inline(l.Address); a != "" {
		md += ", " + a
	}
	if l.Latitude != nil && l.Longitude != nil {
		lat, lon := strconv.FormatFloat(*l.Latitude, 'f', -1, 64), strconv.FormatFloat(*l.Longitude, 'f', -1, 64)
		md += " ([" + lat + ", " + lon + "](https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "))"
	} else if l.URL != "" {
		md += " ([map](<" + strings.ReplaceAll(l.URL, ">", "%3E") + ">))"
	}
	return vaultEntry{day: e.dayOf(l.CreatedAt), sec: secPlaces, md: md}.tagged(l.Tags)
}

// eventEntry puts a calendar event on the day it starts, with its local
// times (in the person's time zone).
func (e *exporter) eventEntry(ev *store.Event) vaultEntry {
	md := "- " + e.clock(ev.Start)
	if ev.End != nil {
		end := ev.End.In(e.loc)
		if e.dayOf(*ev.End) == e.dayOf(ev.Start) {
			md += "–" + end.Format("15:04")
		} else {
			md += " – " + end.Format("2006-01-02 15:04")
		}
	}
	md += " **" + inline(ev.Title) + "**"
	if p := inline(ev.Place); p != "" {
		md += " @ " + p
	}
	if len(ev.People) > 0 {
		md += " with " + inline(strings.Join(ev.People, ", "))
	}
	return vaultEntry{day: e.dayOf(ev.Start), sec: secEvents, md: md + block(ev.Body)}.tagged(ev.Tags)
}

func (e *exporter) imageEntry(im *store.Image) vaultEntry {
	md := "- " + e.clock(im.SentAt)
	if n := inline(im.SenderName); n != "" {
		md += ", from " + n
	}
	if c := inline(im.Caption); c != "" {
		md += ": " + c
	}
	return vaultEntry{day: e.dayOf(im.SentAt), sec: secImages, md: md,
		file: &vaultFile{name: im.ID + mediaExt(im.MimeType, ".jpg"), hash: im.SHA256}}.tagged(im.Tags)
}

func (e *exporter) memoEntry(v *store.VoiceMemo) vaultEntry {
	md := "- " + e.clock(v.SentAt)
	if n := inline(v.SenderName); n != "" {
		md += ", from " + n
	}
	md += fmt.Sprintf(" (%d s)", v.Seconds)
	tail := ""
	if t := strings.TrimSpace(v.Transcript); t != "" {
		tail = "\n\n  > " + strings.ReplaceAll(t, "\n", "\n  > ")
	}
	return vaultEntry{day: e.dayOf(v.SentAt), sec: secVoiceMemos, md: md, tail: tail,
		file: &vaultFile{name: v.ID + mediaExt(v.MimeType, ".ogg"), hash: v.SHA256}}.tagged(v.Tags)
}

func (e *exporter) summaryEntry(x *store.Summary) vaultEntry {
	return vaultEntry{day: x.Day, sec: secSummaries, md: "### " + inline(x.ChatName) + "\n\n" + strings.TrimSpace(x.Text) + "\n"}
}

// mediaExt is a file name extension for a media type.
func mediaExt(mimeType, fallback string) string {
	mt, _, _ := strings.Cut(strings.ToLower(mimeType), ";")
	switch strings.TrimSpace(mt) {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "audio/ogg", "audio/opus":
		return ".ogg"
	case "audio/mpeg":
		return ".mp3"
	case "audio/mp4", "audio/aac":
		return ".m4a"
	}
	return fallback
}
