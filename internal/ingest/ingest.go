// Package ingest stores incoming messages durably and fast. Messages from
// every session go through one queue into group commits: each transaction
// stores a batch of messages (and whatever work the hooks enqueue for them),
// and each caller is released only after the transaction that holds its
// messages has committed. Engines acknowledge to WhatsApp only then.
//
// History (a context marked by whatsapp.Backfill) goes through a second
// queue that the writers take from only when no live message waits, in
// smaller transactions, and each history caller then waits twice as long
// as its transaction took: one import uses at most about a third of the
// writer and leaves the CPU to live messages (other people's too).
package ingest

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// ErrClosed is returned by Ingest after Close.
var ErrClosed = errors.New("ingest: closed")

// Options configure an Ingester.
type Options struct {
	Store     *store.Store
	Publisher realtime.Publisher
	Log       *slog.Logger
	// MaxBatch bounds the messages of one transaction (default 2000).
	MaxBatch int
	// Writers is how many transactions may run at once (default 1 on SQLite,
	// which has one writer anyway, and 4 on PostgreSQL).
	Writers int
	// Metrics, when set, receives the ingest metrics.
	Metrics prometheus.Registerer
	// Now replaces the clock for messages without a timestamp.
	Now func() time.Time
}

// Ingester is safe for concurrent use.
type Ingester struct {
	opts  Options
	blobs media.Blobs
	reqs  chan *request
	bulk  chan *request // history: taken only when reqs is empty
	hooks []store.IngestHook
	wg    sync.WaitGroup

	mu     sync.RWMutex
	closed bool
	stored atomic.Uint64

	mStored    prometheus.Counter
	mDuplicate prometheus.Counter
	mBatch     prometheus.Histogram
	mCommit    prometheus.Histogram
	mFailed    prometheus.Counter
}

type request struct {
	msgs []*store.IncomingMessage
	done chan error
	took time.Duration // the transaction's duration, set before done
}

// maxBulkBatch bounds the history messages of one transaction, so that a
// live message arriving meanwhile waits for a short one.
const maxBulkBatch = 256

// New returns an Ingester; call Start before Ingest.
func New(o Options) *Ingester {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 2000
	}
	if o.Writers <= 0 {
		o.Writers = 1
		if o.Store.Dialect() == store.Postgres {
			o.Writers = 4
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	i := &Ingester{
		opts: o,
		reqs: make(chan *request, 4096),
		bulk: make(chan *request, 256),
		mStored: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "synapse_ingest_messages_stored_total", Help: "Messages stored for the first time."}),
		mDuplicate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "synapse_ingest_messages_duplicate_total", Help: "Redelivered messages that were already stored."}),
		mBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "synapse_ingest_batch_messages", Help: "Messages per ingest transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 7)}),
		mCommit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "synapse_ingest_commit_seconds", Help: "Duration of ingest transactions.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		mFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "synapse_ingest_failures_total", Help: "Ingest transactions that failed (their messages are not acknowledged)."}),
	}
	if o.Metrics != nil {
		o.Metrics.MustRegister(i.mStored, i.mDuplicate, i.mBatch, i.mCommit, i.mFailed)
	}
	return i
}

// AddHook registers work to do in the ingest transaction for new messages
// (enqueueing pipeline jobs). Call before Start.
func (i *Ingester) AddHook(h store.IngestHook) { i.hooks = append(i.hooks, h) }

// UseBlobs sets the media store whose files a deletion for everyone
// leaves without any record, so that they are deleted. Call before Start.
func (i *Ingester) UseBlobs(b media.Blobs) { i.blobs = b }

// Start runs the writers.
func (i *Ingester) Start() {
	for range i.opts.Writers {
		i.wg.Add(1)
		go i.writer()
	}
}

// Close stops accepting messages, finishes the queued ones and returns.
func (i *Ingester) Close() {
	i.mu.Lock()
	if i.closed {
		i.mu.Unlock()
		return
	}
	i.closed = true
	close(i.reqs)
	close(i.bulk)
	i.mu.Unlock()
	i.wg.Wait()
}

// Ingest stores msgs for userID and returns once they are durable. A message
// already stored (same chat and id) is not stored again. On error nothing of
// msgs may be assumed stored, and the caller must not acknowledge them.
func (i *Ingester) Ingest(ctx context.Context, userID string, msgs []whatsapp.Message) error {
	var changes []whatsapp.Message
	if slices.ContainsFunc(msgs, func(m whatsapp.Message) bool { return m.Change != nil }) {
		var plain []whatsapp.Message
		for _, m := range msgs {
			if m.Change != nil {
				changes = append(changes, m)
			} else {
				plain = append(plain, m)
			}
		}
		msgs = plain
	}
	if err := i.ingest(ctx, userID, msgs); err != nil {
		return err
	}
	if err := i.applyPending(ctx, userID, msgs); err != nil {
		return err
	}
	if err := i.mergeLIDs(ctx, userID, msgs); err != nil {
		return err
	}
	// Changes apply after the messages they may name are stored.
	for k := range changes {
		if err := i.applyChange(ctx, userID, &changes[k]); err != nil {
			return err
		}
	}
	return nil
}

func (i *Ingester) ingest(ctx context.Context, userID string, msgs []whatsapp.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	r := &request{msgs: make([]*store.IncomingMessage, len(msgs)), done: make(chan error, 1)}
	queue, bulk := i.reqs, whatsapp.IsBackfill(ctx)
	if bulk {
		queue = i.bulk
	}
	for k := range msgs {
		r.msgs[k] = i.convert(userID, &msgs[k])
		// Encoding and search folding happen here, in the caller's
		// goroutine, not in the single writer's transaction.
		if err := r.msgs[k].Prepare(); err != nil {
			return err
		}
	}
	i.mu.RLock()
	if i.closed {
		i.mu.RUnlock()
		return ErrClosed
	}
	select {
	case queue <- r:
		i.mu.RUnlock()
	case <-ctx.Done():
		i.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, the batch commits or fails as a whole; waiting for it
	// is not abandoned on ctx, so that the caller learns the truth.
	err := <-r.done
	if bulk && err == nil {
		// Pace history: twice as long as its transaction took.
		t := time.NewTimer(min(2*r.took, time.Second))
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return err
}

// applyChange applies an edit or a deletion for everyone, with the
// follow-up work of an edit queued in its transaction, then tells the
// person's streams and loses the media files nothing refers to any more.
// A change naming a message that is not stored (or not the sender's) is
// acknowledged and dropped.
func (i *Ingester) applyChange(ctx context.Context, userID string, m *whatsapp.Message) error {
	in := i.convert(userID, m)
	c := store.MessageChange{UserID: userID, ChatID: in.ChatID, TargetID: clean(m.Change.TargetID, 128), By: in.From, ByMe: m.FromMe,
		ByAdmin: m.Change.ByAdmin, Text: in.Text, At: in.Timestamp}
	switch m.Change.Kind {
	case whatsapp.ChangeEdit:
		c.Kind = store.ChangeEdit
		c.KeepURLs = keptURLs(c.Text)
	case whatsapp.ChangeRevoke:
		c.Kind = store.ChangeRevoke
	default:
		return nil
	}
	return i.applyStoreChange(ctx, c)
}

// applyPending applies the edits and deletions that arrived before the
// messages just stored.
func (i *Ingester) applyPending(ctx context.Context, userID string, msgs []whatsapp.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ids := map[string][]string{}
	for k := range msgs {
		chat := clean(msgs[k].ChatID, 128)
		ids[chat] = append(ids[chat], clean(msgs[k].ID, 128))
	}
	pending, err := i.opts.Store.PendingChanges(ctx, userID, ids)
	if err != nil {
		return err
	}
	for _, c := range pending {
		if c.Kind == store.ChangeEdit {
			c.KeepURLs = keptURLs(c.Text)
		}
		if err := i.applyStoreChange(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// mergeLIDs merges what was stored under the LIDs these messages show a
// phone number for into that number's chat and sender.
func (i *Ingester) mergeLIDs(ctx context.Context, userID string, msgs []whatsapp.Message) error {
	var pns map[string]string
	for k := range msgs {
		m := &msgs[k]
		for _, p := range [2][2]string{{m.ChatLID, m.ChatID}, {m.FromLID, m.From}} {
			if p[0] == "" || !strings.HasSuffix(p[1], "@s.whatsapp.net") {
				continue
			}
			if pns == nil {
				pns = map[string]string{}
			}
			pns[clean(p[0], 128)] = clean(p[1], 128)
		}
	}
	merged, err := i.opts.Store.MergeLIDs(ctx, userID, pns)
	if err != nil {
		i.opts.Log.Error("ingest: merge LIDs", "user_id", userID, "err", err)
		return err
	}
	for _, lid := range merged {
		i.opts.Log.Info("ingest: a contact known by LID is now known by number; merged", "user_id", userID, "lid", lid, "number", pns[lid])
	}
	return nil
}

// keptURLs are the normalised links of an edit's new text.
func keptURLs(text string) []string {
	var out []string
	for _, l := range knowledge.ExtractLinks(text) {
		if n, err := knowledge.NormalizeURL(l); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// applyStoreChange applies one change and tells what it did.
func (i *Ingester) applyStoreChange(ctx context.Context, c store.MessageChange) error {
	userID := c.UserID
	res, err := i.opts.Store.ApplyMessageChange(ctx, c, i.runHooks)
	if err != nil {
		i.mFailed.Inc()
		i.opts.Log.Error("ingest: apply message change", "kind", c.Kind, "err", err)
		return err
	}
	if res.Pending {
		i.opts.Log.Debug("ingest: a change came before its message; kept until it arrives", "kind", c.Kind, "user_id", userID)
		return nil
	}
	if !res.Applied {
		i.opts.Log.Debug("ingest: a change names no message of its sender here; dropped", "kind", c.Kind, "user_id", userID)
		return nil
	}
	if p := i.opts.Publisher; p != nil {
		if c.Kind == store.ChangeEdit {
			p.Publish(userID, domain.EventMessageEdited, &res.Message)
		} else {
			p.Publish(userID, domain.EventMessageDeleted, struct {
				ChatID  string              `json:"chatId"`
				ID      string              `json:"id"`
				Removed []store.RemovedItem `json:"removed"`
			}{c.ChatID, c.TargetID, res.Removed})
		}
	}
	if i.blobs != nil {
		for _, h := range res.FreedMedia {
			if err := i.blobs.Delete(ctx, userID, h); err != nil {
				i.opts.Log.Warn("ingest: deleting the media of a deleted message", "user_id", userID, "err", err)
			}
		}
	}
	return nil
}

// Stored returns how many messages this ingester has stored for the first
// time since it was created.
func (i *Ingester) Stored() uint64 { return i.stored.Load() }

// UpsertChats records chats and groups learned outside of messages.
func (i *Ingester) UpsertChats(ctx context.Context, userID string, chats []whatsapp.Chat) error {
	up := make([]store.ChatUpsert, 0, len(chats))
	var contacts, renames, fills map[string]string
	for _, c := range chats {
		if c.ID == "" {
			continue
		}
		if c.Rename {
			if c.Name == "" {
				continue
			}
			to := &renames
			if c.Unnamed {
				to = &fills
			}
			if *to == nil {
				*to = map[string]string{}
			}
			(*to)[clean(c.ID, 128)] = clean(c.Name, 256)
			continue
		}
		if c.Contact {
			if contacts == nil {
				contacts = map[string]string{}
			}
			contacts[clean(c.ID, 128)] = clean(c.ContactName, 256)
			continue
		}
		up = append(up, store.ChatUpsert{ID: clean(c.ID, 128), Name: clean(c.Name, 256), IsGroup: c.IsGroup})
	}
	if err := i.opts.Store.SetContactNames(ctx, userID, contacts); err != nil {
		return err
	}
	if err := i.opts.Store.RenameChats(ctx, userID, renames, false); err != nil {
		return err
	}
	if err := i.opts.Store.RenameChats(ctx, userID, fills, true); err != nil {
		return err
	}
	return i.opts.Store.UpsertChats(ctx, userID, up)
}

// writer commits batches until both queues are closed and empty. Live
// requests always go first; a batch is live messages or history, never
// both, so that a live batch is as short as it can be.
func (i *Ingester) writer() {
	defer i.wg.Done()
	batch := make([]*request, 0, 64)
	live, bulk := i.reqs, i.bulk
	var carry *request // history taken that did not fit its batch
	for live != nil || bulk != nil || carry != nil {
		r, isBulk, ok := i.next(live, bulk, &carry)
		if !ok {
			if isBulk {
				bulk = nil
			} else {
				live = nil
			}
			continue
		}
		if !isBulk {
			batch = append(batch[:0], r)
			n := len(r.msgs)
		drainLive:
			for n < i.opts.MaxBatch {
				select {
				case r2, ok := <-live:
					if !ok {
						break drainLive
					}
					batch = append(batch, r2)
					n += len(r2.msgs)
				default:
					break drainLive
				}
			}
			i.commit(batch, n)
			continue
		}
		batch = append(batch[:0], r)
		n := len(r.msgs)
	drainBulk:
		for n < maxBulkBatch && len(live) == 0 {
			select {
			case r2, ok := <-bulk:
				if !ok {
					break drainBulk
				}
				if n+len(r2.msgs) > maxBulkBatch {
					carry = r2
					break drainBulk
				}
				batch = append(batch, r2)
				n += len(r2.msgs)
			default:
				break drainBulk
			}
		}
		i.commit(batch, n)
	}
}

// next returns the next request: a live one if any waits, else history
// (first what was carried over), else whichever comes first. ok is false
// when the queue it came from is closed.
func (i *Ingester) next(live, bulk chan *request, carry **request) (r *request, isBulk, ok bool) {
	select {
	case r, ok = <-live:
		return r, false, ok
	default:
	}
	if *carry != nil {
		r, *carry = *carry, nil
		return r, true, true
	}
	select {
	case r, ok = <-live:
		return r, false, ok
	case r, ok = <-bulk:
		return r, true, ok
	}
}

func (i *Ingester) commit(batch []*request, n int) {
	msgs := make([]*store.IncomingMessage, 0, n)
	for _, r := range batch {
		msgs = append(msgs, r.msgs...)
	}
	start := time.Now()
	err := i.store(msgs)
	if err != nil && len(batch) > 1 {
		// Find the request that failed; the others may still commit.
		for _, r := range batch {
			start := time.Now()
			err := i.store(r.msgs)
			r.took = time.Since(start)
			r.done <- err
		}
		return
	}
	took := time.Since(start)
	for _, r := range batch {
		r.took = took
		r.done <- err
	}
}

func (i *Ingester) store(msgs []*store.IncomingMessage) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := i.opts.Store.IngestMessages(ctx, msgs, i.runHooks)
	if err != nil {
		i.mFailed.Inc()
		i.opts.Log.Error("ingest: store batch", "messages", len(msgs), "err", err)
		return err
	}
	i.mCommit.Observe(time.Since(start).Seconds())
	i.mBatch.Observe(float64(len(msgs)))
	var stored int
	for _, m := range msgs {
		if !m.Inserted {
			continue
		}
		stored++
		if i.opts.Publisher != nil {
			i.opts.Publisher.Publish(m.UserID, string(domain.KindMessage), &m.Message)
		}
	}
	i.mStored.Add(float64(stored))
	i.stored.Add(uint64(stored))
	i.mDuplicate.Add(float64(len(msgs) - stored))
	return nil
}

func (i *Ingester) runHooks(ctx context.Context, tx *sql.Tx, inserted []*store.IncomingMessage) error {
	for _, h := range i.hooks {
		if err := h(ctx, tx, inserted); err != nil {
			return err
		}
	}
	return nil
}

// Limits on what one message may store. WhatsApp's own limit on text is
// 65,536 characters.
const (
	maxText  = 64 << 10
	maxField = 1024
)

// convert maps an engine message to its stored form, cleaning what a hostile
// or buggy peer could send: invalid UTF-8 and NUL bytes (PostgreSQL refuses
// both), oversized fields, unknown types.
func (i *Ingester) convert(userID string, m *whatsapp.Message) *store.IncomingMessage {
	ts := m.Timestamp
	if ts.IsZero() {
		ts = i.opts.Now()
	}
	typ := m.Type
	if !typ.Valid() {
		typ = whatsapp.TypeText
	}
	out := &store.IncomingMessage{
		UserID:   userID,
		ChatName: clean(m.ChatName, 256),
		IsGroup:  m.IsGroup,
		Message: store.Message{
			ChatID:    clean(m.ChatID, 128),
			ID:        clean(m.ID, 128),
			From:      clean(m.From, 128),
			FromName:  clean(m.FromName, 256),
			FromMe:    m.FromMe,
			Type:      string(typ),
			Text:      clean(m.Text, maxText),
			Timestamp: ts,
			ReplyTo:   clean(m.ReplyTo, 128),
			Forwarded: m.Forwarded,
		},
	}
	for _, j := range m.Mentions {
		if len(out.Mentions) < 64 {
			out.Mentions = append(out.Mentions, clean(j, 128))
		}
	}
	if md := m.Media; md != nil {
		out.Media = &store.Media{
			Ref: clean(md.Ref, 8192), MimeType: clean(md.MimeType, 128), FileName: clean(md.FileName, 256),
			Size: md.Size, SHA256: clean(md.SHA256, 128), Seconds: md.Seconds, Width: md.Width, Height: md.Height,
		}
	}
	if l := m.Location; l != nil {
		out.Location = &store.MessageLocation{Latitude: l.Latitude, Longitude: l.Longitude,
			Name: clean(l.Name, maxField), Address: clean(l.Address, maxField), URL: clean(l.URL, 2048)}
	}
	if c := m.Contact; c != nil {
		out.Contact = &store.MessageContact{DisplayName: clean(c.DisplayName, 256), VCard: clean(c.VCard, 16<<10)}
	}
	return out
}

// clean makes s valid UTF-8 without NUL bytes and at most max bytes long,
// cutting at a character boundary.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
