package service

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
)

// exportPage is how many rows an export reads at a time: its memory does
// not grow with the account, only with this.
const exportPage = store.MaxPageSize

// ExportAccount is data/account.json of an export.
type ExportAccount struct {
	ID         string    `json:"id"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Timezone   string    `json:"timezone"`
	CreatedAt  time.Time `json:"createdAt"`
	ExportedAt time.Time `json:"exportedAt"`
}

// ExportFileName is the name an export is offered under.
func (s *Service) ExportFileName() string {
	return "synapse-export-" + s.o.Now().UTC().Format("2006-01-02") + ".zip"
}

// CheckExport reports whether userID may export (a live account): the
// error an adapter can still answer with before the archive starts.
func (s *Service) CheckExport(ctx context.Context, userID string) error {
	_, err := s.Me(ctx, userID)
	return err
}

// Export writes everything the user owns to w as a zip archive:
//
//   - data/account.json, and data/<list>.json for tasks, notes, ideas,
//     locations, events, suggestions, bookmarks, images, voice-memos, summaries, chats and
//     messages: JSON arrays of the items in the API's shapes;
//   - data/item-sources.json: every message each task, note, idea,
//     place, event and image was found in (repeats merged into one item
//     included; a bookmark's are its shares);
//   - data/reminders.json: the reminder settings and every reminder (at
//     most MaxReminders upcoming and as many sent ones);
//   - vault/: an Obsidian-compatible Markdown vault, one note per day
//     (vault/YYYY-MM-DD.md, days in the person's time zone) with YAML front
//     matter, and the images and voice memos it links under vault/media/.
//
// It streams: every list is read a page at a time and written as it is
// read, and w receives the archive as it is made, so memory stays flat
// however large the account (a day note is held while it is written). The
// archive is consistent per page, not a snapshot: what changes meanwhile
// may or may not be in it. An error after the first byte leaves w with a
// truncated archive; an adapter can only abort the transfer then.
func (s *Service) Export(ctx context.Context, userID string, w io.Writer) error {
	u, err := s.Me(ctx, userID)
	if err != nil {
		return err
	}
	e := &exporter{s: s, ctx: ctx, userID: u.ID, zw: zip.NewWriter(w), now: s.o.Now(), loc: s.Location(u.Timezone)}
	if err := e.json("data/account.json", ExportAccount{ID: u.ID, Email: u.Email, Name: u.Name, Timezone: u.Timezone,
		CreatedAt: u.CreatedAt, ExportedAt: e.now}); err != nil {
		return err
	}
	steps := []func() error{
		func() error {
			return exportList(e, "data/tasks.json", func(p Page) (List[store.Task], error) { return s.Tasks(ctx, u.ID, TaskQuery{}, p) })
		},
		func() error {
			return exportList(e, "data/notes.json", func(p Page) (List[store.Note], error) { return s.Notes(ctx, u.ID, domain.KindNote, Filter{}, p) })
		},
		func() error {
			return exportList(e, "data/ideas.json", func(p Page) (List[store.Note], error) { return s.Notes(ctx, u.ID, domain.KindIdea, Filter{}, p) })
		},
		func() error {
			return exportList(e, "data/locations.json", func(p Page) (List[store.Location], error) { return s.Locations(ctx, u.ID, Filter{}, p) })
		},
		func() error {
			return exportList(e, "data/events.json", func(p Page) (List[store.Event], error) { return s.Events(ctx, u.ID, EventQuery{}, p) })
		},
		func() error {
			return exportList(e, "data/suggestions.json", func(p Page) (List[store.Suggestion], error) { return s.Suggestions(ctx, u.ID, "", p) })
		},
		func() error {
			return exportList(e, "data/bookmarks.json", func(p Page) (List[store.Bookmark], error) { return s.Bookmarks(ctx, u.ID, Filter{}, p) })
		},
		func() error {
			return exportList(e, "data/images.json", func(p Page) (List[store.Image], error) { return s.Images(ctx, u.ID, ImageQuery{}, p) })
		},
		func() error {
			return exportList(e, "data/voice-memos.json", func(p Page) (List[store.VoiceMemo], error) { return s.VoiceMemos(ctx, u.ID, Filter{}, p) })
		},
		func() error {
			return exportList(e, "data/summaries.json", func(p Page) (List[store.Summary], error) {
				return s.Summaries(ctx, u.ID, SummaryQuery{}, p)
			})
		},
		func() error {
			return exportList(e, "data/chats.json", func(p Page) (List[store.Chat], error) { return s.Chats(ctx, u.ID, "", p) })
		},
		e.itemSources,
		e.reminders,
		e.messages,
		e.vault,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	if err := e.zw.Close(); err != nil {
		return fmt.Errorf("service: export: %w", err)
	}
	return nil
}

// exporter is one export being written.
type exporter struct {
	s      *Service
	ctx    context.Context
	userID string
	zw     *zip.Writer
	now    time.Time
	loc    *time.Location
}

// create starts an archive entry; compress is false for files that are
// compressed already (images, audio).
func (e *exporter) create(name string, compress bool) (io.Writer, error) {
	method := zip.Store
	if compress {
		method = zip.Deflate
	}
	f, err := e.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: e.now})
	if err != nil {
		return nil, fmt.Errorf("service: export %s: %w", name, err)
	}
	return f, nil
}

// json writes one value as an entry.
func (e *exporter) json(name string, v any) error {
	f, err := e.create(name, true)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// arrayWriter writes a JSON array one element at a time.
type arrayWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
	n   int
}

func (e *exporter) array(name string) (*arrayWriter, error) {
	f, err := e.create(name, true)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if _, err := bw.WriteString("["); err != nil {
		return nil, err
	}
	return &arrayWriter{bw: bw, enc: enc}, nil
}

func (a *arrayWriter) add(v any) error {
	sep := "\n"
	if a.n > 0 {
		sep = ",\n"
	}
	a.n++
	if _, err := a.bw.WriteString(sep); err != nil {
		return err
	}
	// Encode ends the element with a newline, which JSON allows.
	return a.enc.Encode(v)
}

func (a *arrayWriter) close() error {
	if _, err := a.bw.WriteString("]\n"); err != nil {
		return err
	}
	return a.bw.Flush()
}

// exportList writes one list, page after page, as a JSON array.
func exportList[T any](e *exporter, name string, page func(Page) (List[T], error)) error {
	a, err := e.array(name)
	if err != nil {
		return err
	}
	p := Page{Limit: exportPage}
	for {
		l, err := page(p)
		if err != nil {
			return fmt.Errorf("service: export %s: %w", name, err)
		}
		for i := range l.Items {
			if err := a.add(&l.Items[i]); err != nil {
				return err
			}
		}
		if l.NextCursor == "" {
			return a.close()
		}
		p.Cursor = l.NextCursor
	}
}

// itemSources writes data/item-sources.json.
func (e *exporter) itemSources() error {
	a, err := e.array("data/item-sources.json")
	if err != nil {
		return err
	}
	if err := e.s.o.Store.EachItemSource(e.ctx, e.userID, func(r store.ItemSourceRecord) error { return a.add(&r) }); err != nil {
		return fmt.Errorf("service: export item sources: %w", err)
	}
	return a.close()
}

// messages writes data/messages.json: every kept message of every chat,
// chat after chat, newest first within a chat.
func (e *exporter) messages() error {
	a, err := e.array("data/messages.json")
	if err != nil {
		return err
	}
	chats := Page{Limit: exportPage}
	for {
		cl, err := e.s.o.Store.ListChats(e.ctx, e.userID, store.AllChats, store.ListOptions{Limit: chats.Limit, Cursor: chats.Cursor})
		if err != nil {
			return fmt.Errorf("service: export chats: %w", err)
		}
		for _, c := range cl.Items {
			if err := e.chatMessages(a, c.ID); err != nil {
				return err
			}
		}
		if cl.NextCursor == "" {
			return a.close()
		}
		chats.Cursor = cl.NextCursor
	}
}

func (e *exporter) chatMessages(a *arrayWriter, chatID string) error {
	o := store.ListOptions{Limit: exportPage}
	for {
		ml, err := e.s.o.Store.ListMessages(e.ctx, e.userID, chatID, o)
		if errors.Is(err, store.ErrNotFound) {
			return nil // the chat was deleted meanwhile
		}
		if err != nil {
			return fmt.Errorf("service: export messages: %w", err)
		}
		for i := range ml.Items {
			if err := a.add(&ml.Items[i]); err != nil {
				return err
			}
		}
		if ml.NextCursor == "" {
			return nil
		}
		o.Cursor = ml.NextCursor
	}
}

// ExportReminders is data/reminders.json.
type ExportReminders struct {
	Settings  store.ReminderSettings `json:"settings"`
	Reminders []store.Reminder       `json:"reminders"`
}

func (e *exporter) reminders() error {
	rs, err := e.s.o.Store.ReminderSettings(e.ctx, e.userID)
	if err != nil {
		return err
	}
	list, err := e.s.o.Store.ListReminders(e.ctx, e.userID, store.ReminderFilter{}, 2*MaxReminders)
	if err != nil {
		return err
	}
	return e.json("data/reminders.json", ExportReminders{Settings: rs, Reminders: list})
}
