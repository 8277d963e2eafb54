package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
)

// EmbedSource is one thing of a user's that has no embedding yet: a
// message with text, or an indexed item, transcript or summary.
type EmbedSource struct {
	Kind domain.Kind
	// Ref is the message's seq (decimal) or the thing's id.
	Ref    string
	ChatID string
	Sender string
	Time   time.Time
	// Text is what is embedded (for items: title and text).
	Text string
}

// Embedding is a stored vector with what Ask filters it by.
type Embedding struct {
	Seq    int64
	Kind   domain.Kind
	Ref    string
	ChatID string
	Sender string
	Time   time.Time
	// Vec has length 1 (PutEmbeddings normalises it).
	Vec []float32
}

// maxEmbedRunes caps the text of one thing sent to be embedded.
const maxEmbedRunes = 2000

// EmbedCursor says where a scan of things without an embedding goes on:
// below the last message seq and the last indexed thing seen. The zero
// value starts at the newest.
type EmbedCursor struct {
	Msg, Doc int64
	// MsgDone is set once messages are exhausted (indexed things follow).
	MsgDone bool
}

// PendingEmbeddings returns up to limit of the user's things that have no
// embedding, after cur (nil: from the newest), and moves cur past them:
// messages with text first, newest first, then indexed things. A scan
// with a cursor reads each row once, however many are already embedded.
func (s *Store) PendingEmbeddings(ctx context.Context, userID string, cur *EmbedCursor, limit int) ([]EmbedSource, error) {
	if cur == nil {
		cur = &EmbedCursor{}
	}
	var out []EmbedSource
	// Candidates are read a page at a time below the cursor and those that
	// already have a vector are left out in Go: an anti-join would let the
	// planner read all of the person's vectors for every page.
	for !cur.MsgDone && len(out) < limit {
		args := []any{userID, limit}
		below := ""
		if cur.Msg > 0 {
			below, args = " AND m.seq < $3", append(args, cur.Msg)
		}
		rows, err := s.r.QueryContext(ctx, `SELECT m.seq, m.chat_id, m.sender, m.sender_name, m.ts, m.text FROM messages m
			WHERE m.user_id = $1 AND m.text <> '' AND m.deleted_at IS NULL`+below+` ORDER BY m.seq DESC LIMIT $2`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: pending embeddings: %w", err)
		}
		var page []EmbedSource
		for rows.Next() {
			var seq, ts int64
			var e EmbedSource
			var name string
			if err := rows.Scan(&seq, &e.ChatID, &e.Sender, &name, &ts, &e.Text); err != nil {
				rows.Close()
				return nil, err
			}
			e.Kind, e.Ref, e.Time = domain.KindMessage, strconv.FormatInt(seq, 10), fromMS(ts)
			if name != "" {
				e.Text = name + ": " + e.Text
			}
			page = append(page, e)
			cur.Msg = seq
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(page) < limit {
			cur.MsgDone = true
		}
		fresh, err := s.withoutEmbedding(ctx, userID, page)
		if err != nil {
			return nil, err
		}
		out = append(out, fresh...)
	}
	if len(out) >= limit {
		return clipSources(out), nil
	}
	var docs []EmbedSource
	for len(docs) < limit-len(out) {
		args := []any{userID, limit}
		below := ""
		if cur.Doc > 0 {
			below, args = " AND d.id < $3", append(args, cur.Doc)
		}
		rows, err := s.r.QueryContext(ctx, `SELECT d.id, d.kind, d.ref, d.ts FROM search_docs d WHERE d.user_id = $1`+below+`
			ORDER BY d.id DESC LIMIT $2`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: pending embeddings: %w", err)
		}
		var page []EmbedSource
		for rows.Next() {
			var e EmbedSource
			var id, ts int64
			if err := rows.Scan(&id, &e.Kind, &e.Ref, &ts); err != nil {
				rows.Close()
				return nil, err
			}
			e.Time = fromMS(ts)
			page = append(page, e)
			cur.Doc = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		fresh, err := s.withoutEmbedding(ctx, userID, page)
		if err != nil {
			return nil, err
		}
		docs = append(docs, fresh...)
		if len(page) < limit {
			break
		}
	}
	for _, e := range docs {
		title, text, chatID, err := s.searchText(ctx, userID, e.Kind, e.Ref)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		e.ChatID, e.Text = chatID, strings.TrimSpace(title+"\n"+text)
		if e.Text == "" {
			e.Text = string(e.Kind)
		}
		out = append(out, e)
	}
	return clipSources(out), nil
}

// withoutEmbedding keeps the sources that have no vector (one indexed
// lookup per kind).
func (s *Store) withoutEmbedding(ctx context.Context, userID string, src []EmbedSource) ([]EmbedSource, error) {
	byKind := map[domain.Kind][]string{}
	for _, e := range src {
		byKind[e.Kind] = append(byKind[e.Kind], e.Ref)
	}
	have := map[string]bool{}
	for kind, refs := range byKind {
		args := []any{userID, kind}
		ph := make([]string, len(refs))
		for i, r := range refs {
			args = append(args, r)
			ph[i] = fmt.Sprintf("$%d", i+3)
		}
		rows, err := s.r.QueryContext(ctx, `SELECT ref FROM embeddings WHERE user_id = $1 AND kind = $2 AND ref IN (`+strings.Join(ph, ",")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: pending embeddings: %w", err)
		}
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				rows.Close()
				return nil, err
			}
			have[string(kind)+"/"+r] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var out []EmbedSource
	for _, e := range src {
		if !have[string(e.Kind)+"/"+e.Ref] {
			out = append(out, e)
		}
	}
	return out, nil
}

func clipSources(in []EmbedSource) []EmbedSource {
	for i := range in {
		if r := []rune(in[i].Text); len(r) > maxEmbedRunes {
			in[i].Text = string(r[:maxEmbedRunes])
		}
	}
	return in
}

// PutEmbeddings stores the vectors of sources (vecs[i] is sources[i]'s),
// normalised, replacing any the things had. A message whose text changed
// or that was deleted since it was read, and a thing no longer indexed,
// get no vector (the next embedding job sees them again).
func (s *Store) PutEmbeddings(ctx context.Context, userID, model string, sources []EmbedSource, vecs [][]float32) error {
	if len(sources) != len(vecs) {
		return fmt.Errorf("store: put embeddings: %d sources, %d vectors", len(sources), len(vecs))
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		for i, src := range sources {
			blob := EncodeVector(Normalise(vecs[i]))
			if blob == nil {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM embeddings WHERE user_id = $1 AND kind = $2 AND ref = $3`, userID, src.Kind, src.Ref); err != nil {
				return fmt.Errorf("store: put embeddings: %w", err)
			}
			args := []any{userID, src.Kind, src.Ref, src.ChatID, src.Sender, ms(src.Time), model, blob}
			exists := `EXISTS (SELECT 1 FROM search_docs WHERE user_id = $1 AND kind = $2 AND ref = $3)`
			if src.Kind == domain.KindMessage {
				seq, err := strconv.ParseInt(src.Ref, 10, 64)
				if err != nil {
					continue
				}
				exists = `EXISTS (SELECT 1 FROM messages WHERE user_id = $1 AND seq = $9 AND deleted_at IS NULL AND text <> '')`
				args = append(args, seq)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO embeddings (user_id, kind, ref, chat_id, sender, ts, model, vec)
				SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE `+exists, args...); err != nil {
				return fmt.Errorf("store: put embeddings: %w", err)
			}
		}
		return nil
	})
}

// EachEmbedding calls fn with each of the user's embeddings of model
// written after seq afterSeq (0: all), in the order they were written.
func (s *Store) EachEmbedding(ctx context.Context, userID, model string, afterSeq int64, fn func(Embedding) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, kind, ref, chat_id, sender, ts, vec FROM embeddings
		WHERE user_id = $1 AND seq > $2 AND model = $3 ORDER BY seq`, userID, afterSeq, model)
	if err != nil {
		return fmt.Errorf("store: embeddings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Embedding
		var ts int64
		var blob []byte
		if err := rows.Scan(&e.Seq, &e.Kind, &e.Ref, &e.ChatID, &e.Sender, &ts, &blob); err != nil {
			return err
		}
		e.Time, e.Vec = fromMS(ts), DecodeVector(blob)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EmbeddingsBySeq returns those of the user's embeddings whose seqs are
// given (Seq, Kind, Ref and Vec; the others are left out: deleted or
// another person's), in no particular order.
func (s *Store) EmbeddingsBySeq(ctx context.Context, userID string, seqs []int64) ([]Embedding, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	var in strings.Builder
	for i, q := range seqs {
		if i > 0 {
			in.WriteByte(',')
		}
		in.WriteString(strconv.FormatInt(q, 10))
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, kind, ref, vec FROM embeddings WHERE user_id = $1 AND seq IN (`+in.String()+`)`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: embeddings by seq: %w", err)
	}
	defer rows.Close()
	out := make([]Embedding, 0, len(seqs))
	for rows.Next() {
		var e Embedding
		var blob []byte
		if err := rows.Scan(&e.Seq, &e.Kind, &e.Ref, &blob); err != nil {
			return nil, err
		}
		e.Vec = DecodeVector(blob)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountEmbeddingsUpTo counts the user's embeddings, stopping at limit (so
// that it costs at most limit index entries).
func (s *Store) CountEmbeddingsUpTo(ctx context.Context, userID string, limit int) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM embeddings WHERE user_id = $1 LIMIT $2) e`, userID, limit).Scan(&n)
	return n, err
}

// LastEmbeddingSeq is the seq of the user's newest embedding (0: none).
func (s *Store) LastEmbeddingSeq(ctx context.Context, userID string) (int64, error) {
	var seq sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT MAX(seq) FROM embeddings WHERE user_id = $1`, userID).Scan(&seq)
	return seq.Int64, err
}

// DeleteEmbeddingsNotOf deletes every embedding made by another model than
// model (they do not compare with its vectors); what they embedded is
// pending again.
func (s *Store) DeleteEmbeddingsNotOf(ctx context.Context, model string) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM embeddings WHERE model <> $1`, model)
	if err != nil {
		return 0, fmt.Errorf("store: delete embeddings: %w", err)
	}
	return res.RowsAffected()
}

// CountEmbeddings counts the user's embeddings.
func (s *Store) CountEmbeddings(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM embeddings WHERE user_id = $1`, userID).Scan(&n)
	return n, err
}

// UsersWithPendingEmbeddings returns up to limit users (by id, after the
// id after) who have something without an embedding.
func (s *Store) UsersWithPendingEmbeddings(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT u.id FROM users u WHERE u.id > $1 AND (
		EXISTS (SELECT 1 FROM messages m WHERE m.user_id = u.id AND m.text <> '' AND m.deleted_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.user_id = m.user_id AND e.kind = 'message' AND e.ref = CAST(m.seq AS TEXT)))
		OR EXISTS (SELECT 1 FROM search_docs d WHERE d.user_id = u.id
			AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.user_id = d.user_id AND e.kind = d.kind AND e.ref = d.ref)))
		ORDER BY u.id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: users with pending embeddings: %w", err)
	}
	defer rows.Close()
	return scanIDs(rows)
}

// Normalise scales v to length 1 in place and returns it; a zero vector or
// one holding NaN or Inf is nil.
func Normalise(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 || math.IsNaN(sum) || math.IsInf(sum, 0) {
		return nil
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// EncodeVector is v as float32 little-endian; nil for an empty vector.
func EncodeVector(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// DecodeVector reads EncodeVector's form.
func DecodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// AskScope narrows what Ask retrieves: one chat, one sender (messages
// only), a time range [From, To) (zero: open).
type AskScope struct {
	ChatID   string
	Sender   string
	From, To time.Time
}

// AskHit is one thing full-text retrieval found for a question, best first.
type AskHit struct {
	Kind domain.Kind
	Ref  string
}

// askStopwords are question words that would match nearly everything.
var askStopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the a an and or of to in on at for with from by is are was were be been do does did
		what when where who whom which why how that this these those it its i me my we our you your he she they them
		his her their there here have has had can could would should will shall about any some all not no
		tell show find give please say said ever last next see look will someone something anything know
		der die das und oder ein eine ist sind war wer wie wo wann was warum mit von zu im am
		el la los las de del y o que en un una es por para como cuando donde quien
		o a os as e de do da em um uma que para com como quando onde quem`) {
		askStopwords[w] = true
	}
}

// AskTerms are the question's words worth matching: folded, without
// question words, at most 12.
func AskTerms(q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(Fold(q)) {
		if askStopwords[w] || seen[w] || len([]rune(w)) < 2 {
			continue
		}
		seen[w] = true
		out = append(out, w)
		if len(out) == 12 {
			break
		}
	}
	return out
}

// AskSearch is full-text retrieval for a question: the user's messages and
// things holding any of its words, in the scope, best first (at most
// limit). With a sender, only messages are searched.
func (s *Store) AskSearch(ctx context.Context, userID, question string, scope AskScope, limit int) ([]AskHit, error) {
	terms := AskTerms(question)
	if len(terms) == 0 {
		return nil, nil
	}
	f := searchFilter{chatID: scope.ChatID, anyTerm: true, person: scope.Sender, limit: limit}
	if !scope.From.IsZero() {
		f.from = ms(scope.From)
	}
	if !scope.To.IsZero() {
		f.to = ms(scope.To)
	}
	hits, err := s.searchMessages(ctx, userID, terms, false, f)
	if err != nil {
		return nil, err
	}
	normalise(hits)
	if scope.Sender == "" {
		docs, err := s.searchDocs(ctx, userID, terms, nil, false, f)
		if err != nil {
			return nil, err
		}
		normalise(docs)
		hits = append(hits, docs...)
	}
	sortByRank(hits)
	if len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]AskHit, len(hits))
	for i, h := range hits {
		out[i] = AskHit{Kind: h.kind, Ref: h.ref}
	}
	return out, nil
}

func sortByRank(h []rawHit) {
	sort.SliceStable(h, func(i, j int) bool {
		if h[i].rank != h[j].rank {
			return h[i].rank > h[j].rank
		}
		return h[i].ts > h[j].ts
	})
}

// Passage is one retrieved thing as Ask shows it and cites it.
type Passage struct {
	Kind domain.Kind
	// ID is the thing's id; for messages the message id (of its chat).
	ID         string
	ChatID     string
	MessageID  string
	Sender     string
	SenderName string
	Title      string
	Text       string
	Time       time.Time
}

// AskPassage loads one retrieved thing of the user's. A message deleted or
// emptied since, or a thing no longer there, is ErrNotFound.
func (s *Store) AskPassage(ctx context.Context, userID string, kind domain.Kind, ref string) (Passage, error) {
	if kind == domain.KindMessage {
		seq, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			return Passage{}, ErrNotFound
		}
		m, err := scanMessage(s.r.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE user_id = $1 AND seq = $2`, userID, seq))
		if err != nil {
			return Passage{}, err
		}
		if m.DeletedAt != nil || strings.TrimSpace(m.Text) == "" {
			return Passage{}, ErrNotFound
		}
		return Passage{Kind: kind, ID: m.ID, ChatID: m.ChatID, MessageID: m.ID, Sender: m.From, SenderName: m.FromName,
			Text: m.Text, Time: m.Timestamp}, nil
	}
	var ts int64
	if err := s.r.QueryRowContext(ctx, `SELECT ts FROM search_docs WHERE user_id = $1 AND kind = $2 AND ref = $3`, userID, kind, ref).Scan(&ts); err != nil {
		return Passage{}, notFound(err)
	}
	title, text, chatID, err := s.searchText(ctx, userID, kind, ref)
	if err != nil {
		return Passage{}, err
	}
	p := Passage{Kind: kind, ID: ref, ChatID: chatID, Title: strings.TrimSpace(title), Text: strings.TrimSpace(text), Time: fromMS(ts)}
	if kind == domain.KindVoiceMemo {
		p.SenderName, p.Title = p.Title, ""
	}
	return p, nil
}
