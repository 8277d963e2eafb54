package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
)

// QueriesResult is the outcome of Queries.
type QueriesResult struct {
	Users, Messages int
	Kinds           []QueryKind
}

// QueryKind is the latency of one kind of query.
type QueryKind struct {
	Name          string
	P50, P99, Max time.Duration
}

// Queries stores perUser messages for each of `users` users (in 50 chats
// each) and measures the latency of the API's list and search queries.
func Queries(ctx context.Context, e Env, users, perUser, queries int) (QueriesResult, error) {
	s, err := e.openStore(ctx)
	if err != nil {
		return QueriesResult{}, err
	}
	defer s.Close()
	const chats = 50
	ids := make([]string, users)
	t0 := time.Now().Add(-72 * time.Hour)
	for u := range users {
		usr, err := s.CreateUser(ctx, store.User{Email: fmt.Sprintf("q%05d@example.com", u), Name: "q", PasswordHash: "x"})
		if err != nil {
			return QueriesResult{}, err
		}
		ids[u] = usr.ID
		batch := make([]*store.IncomingMessage, 0, 2000)
		for i := range perUser {
			batch = append(batch, &store.IncomingMessage{UserID: usr.ID, ChatName: fmt.Sprintf("Chat %d", i%chats), IsGroup: i%chats < 10,
				Message: store.Message{ChatID: fmt.Sprintf("4477%07d@s.whatsapp.net", i%chats), ID: fmt.Sprintf("m%07d", i), From: "447700900000@s.whatsapp.net",
					FromName: "Someone", Type: "text", Text: benchText(i), Timestamp: t0.Add(time.Duration(i) * 20 * time.Second)}})
			if len(batch) == cap(batch) || i == perUser-1 {
				if err := s.IngestMessages(ctx, batch, nil); err != nil {
					return QueriesResult{}, err
				}
				batch = batch[:0]
			}
		}
		if err := ctx.Err(); err != nil {
			return QueriesResult{}, err
		}
	}
	run := func(name string, q func(user string) error) (QueryKind, error) {
		lat := make([]time.Duration, 0, queries)
		for range queries {
			u := ids[rand.IntN(len(ids))]
			start := time.Now()
			if err := q(u); err != nil {
				return QueryKind{}, fmt.Errorf("%s: %w", name, err)
			}
			lat = append(lat, time.Since(start))
		}
		p50, p99, mx := percentiles(lat)
		return QueryKind{Name: name, P50: p50.Round(time.Microsecond), P99: p99.Round(time.Microsecond), Max: mx.Round(time.Microsecond)}, nil
	}
	chat := func() string { return fmt.Sprintf("4477%07d@s.whatsapp.net", rand.IntN(chats)) }
	res := QueriesResult{Users: users, Messages: users * perUser}
	for _, k := range []struct {
		name string
		q    func(string) error
	}{
		{"chat list (first page)", func(u string) error {
			_, err := s.ListChats(ctx, u, store.AllChats, store.ListOptions{Limit: 50})
			return err
		}},
		{"message page (newest 50)", func(u string) error {
			_, err := s.ListMessages(ctx, u, chat(), store.ListOptions{Limit: 50})
			return err
		}},
		{"search, one word", func(u string) error {
			_, err := s.Search(ctx, u, vocabulary[rand.IntN(len(vocabulary))], store.SearchOptions{Limit: 20})
			return err
		}},
		{"search, two words (prefix)", func(u string) error {
			w := vocabulary[rand.IntN(len(vocabulary))]
			_, err := s.Search(ctx, u, "reunião "+w[:3], store.SearchOptions{Limit: 20})
			return err
		}},
		{"message page (4th page)", func(u string) error {
			c := chat()
			cursor := ""
			for range 4 {
				p, err := s.ListMessages(ctx, u, c, store.ListOptions{Limit: 50, Cursor: cursor})
				if err != nil {
					return err
				}
				cursor = p.NextCursor
			}
			return nil
		}},
	} {
		r, err := run(k.name, k.q)
		if err != nil {
			return QueriesResult{}, err
		}
		res.Kinds = append(res.Kinds, r)
	}
	return res, nil
}

// vocabulary is a fixed list of made-up words that stored messages draw
// from, so that search has realistic selectivity (each word is in about
// 0.2 % of a user's messages).
var vocabulary = func() []string {
	syll := []string{"ka", "lo", "mi", "ra", "tu", "ve", "so", "ni", "pa", "de", "bo", "ge", "fi", "zu", "ho", "je"}
	var out []string
	for i := range 4096 {
		out = append(out, syll[i%16]+syll[(i/16)%16]+syll[(i/256)%16]+"s")
	}
	return out
}()

// benchText is message i's text: ordinary words, eight vocabulary words,
// and "reunião" in one message of a hundred.
func benchText(i int) string {
	t := "Mensagem de teste com algumas palavras:"
	r := rand.New(rand.NewPCG(uint64(i), 7))
	for range 8 {
		t += " " + vocabulary[r.IntN(len(vocabulary))]
	}
	if i%100 == 0 {
		t += " — reunião amanhã"
	}
	return t
}
