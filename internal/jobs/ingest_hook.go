package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/store"
)

// IngestHook returns the hook that enqueues, inside the ingest transaction,
// the follow-up work of each new message: media downloads for images and
// voice notes, bookmarks for links, analysis for locations and notes to
// self.
func (r *Runner) IngestHook() store.IngestHook {
	return func(ctx context.Context, tx *sql.Tx, inserted []*store.IncomingMessage) error {
		var params []river.InsertManyParams
		embed := map[string]bool{}
		for _, m := range inserted {
			if own, err := r.writtenBySynapse(ctx, tx, m); err != nil || own {
				if err != nil {
					return err
				}
				continue
			}
			params = append(params, r.jobsFor(m)...)
			if r.d.Embedder != nil && m.Text != "" && !embed[m.UserID] {
				embed[m.UserID] = true
				params = append(params, r.embedParams(m.UserID))
			}
		}
		if len(params) == 0 {
			return nil
		}
		if _, err := r.client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("jobs: enqueue: %w", err)
		}
		return nil
	}
}

// writtenBySynapse reports whether a new message in the person's own
// chat is one Synapse wrote there (a reminder, a capture's confirmation):
// it has no follow-up work. Its analysis would only find that and stop,
// at the cost of a job (three writes) for each reminder sent.
func (r *Runner) writtenBySynapse(ctx context.Context, tx *sql.Tx, m *store.IncomingMessage) (bool, error) {
	if !m.FromMe || m.From == "" || m.From != m.ChatID || m.Type != "text" || m.Edited {
		return false, nil
	}
	return store.IsSelfMessageTx(ctx, tx, m.UserID, reminders.TextHash(m.Text))
}

// jobsFor decides the follow-up work of one message.
func (r *Runner) jobsFor(m *store.IncomingMessage) []river.InsertManyParams {
	var out []river.InsertManyParams
	ref := MessageRef{UserID: m.UserID, ChatID: m.ChatID, MessageID: m.ID}
	switch m.Type {
	case "image", "voice":
		if m.Media != nil && !m.Edited {
			out = append(out, river.InsertManyParams{Args: MediaArgs{MessageRef: ref}, InsertOpts: &river.InsertOpts{Queue: queueMedia}})
		}
	case "document":
		if m.Media != nil && !m.Edited && m.Media.Size > 0 && m.Media.Size <= r.d.AutoDownloadBytes {
			out = append(out, river.InsertManyParams{Args: MediaArgs{MessageRef: ref}, InsertOpts: &river.InsertOpts{Queue: queueMedia}})
		}
	case "location":
		if m.Edited {
			break
		}
		out = append(out, river.InsertManyParams{Args: AnalyseArgs{UserID: m.UserID, Message: &ref}, InsertOpts: r.analyseOpts()})
	case "text":
		// A message in the chat with oneself ("Message yourself") is a note
		// to self: it is analysed into items.
		if m.FromMe && m.From != "" && m.From == m.ChatID {
			out = append(out, river.InsertManyParams{Args: AnalyseArgs{UserID: m.UserID, Message: &ref, NoteToSelf: true, Revision: revision(m)}, InsertOpts: r.analyseOpts()})
		} else if knowledge.MayHaveEvent(m.Text) {
			// Any other message that may plan a meeting ("Meet Lucía on
			// Saturday at 11") is read for events only.
			out = append(out, river.InsertManyParams{Args: AnalyseArgs{UserID: m.UserID, Message: &ref, EventsOnly: true, Revision: revision(m)}, InsertOpts: r.analyseOpts()})
		}
	}
	if !(m.FromMe && m.From != "" && m.From == m.ChatID) && suggestJob(m) {
		out = append(out, river.InsertManyParams{Args: SuggestArgs{MessageRef: ref, Revision: revision(m)}, InsertOpts: r.analyseOpts()})
	}
	if m.Text != "" && len(knowledge.ExtractLinks(m.Text)) > 0 {
		out = append(out, river.InsertManyParams{Args: BookmarksArgs{MessageRef: ref}, InsertOpts: &river.InsertOpts{Queue: queueLinks}})
	}
	return out
}

// revision tells the follow-up work of an edited message from that of its
// first version, which may still be pending: an edit is analysed again.
func revision(m *store.IncomingMessage) int64 {
	if m.Edited && m.EditedAt != nil {
		return m.EditedAt.UnixMilli()
	}
	return 0
}

// MessageRef names one stored message.
type MessageRef struct {
	UserID    string `json:"user_id"`
	ChatID    string `json:"chat_id"`
	MessageID string `json:"message_id"`
}

// analyseOpts puts analysis on the provider queue when a model does it,
// and on the default queue (more workers) when the built-in analyser does.
func (r *Runner) analyseOpts() *river.InsertOpts {
	if r.d.Analyser != nil {
		return &river.InsertOpts{Queue: queueAI}
	}
	return &river.InsertOpts{Queue: river.QueueDefault}
}
