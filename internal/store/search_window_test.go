package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestSearchNewestMatchesWhateverTheWordsFrequency: the newest matches of
// a search are found whether its words are in nearly every message (read
// from the newest messages), in a few of the newest (read from a wider
// window of them) or only in old ones (from the words' index), also within
// a chat, a sender or a time range, and never another person's. On
// PostgreSQL the windows are made small, so that 200 messages cross them.
func TestSearchNewestMatchesWhateverTheWordsFrequency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		s.SetMessageWindows(10, 50)
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		type sent struct {
			id, chat, sender, text string
			at                     time.Time
		}
		var mine []sent
		var in []*store.IncomingMessage
		for i := range 200 {
			text := "every"
			if i%5 == 0 {
				text += " fifth"
			}
			if i%12 == 0 {
				text += " twelfth"
			}
			if i < 20 {
				text += " old"
			}
			m := sent{id: fmt.Sprint("m", i), chat: "one@g.us", sender: "1555@s.whatsapp.net", text: text, at: t0.Add(time.Duration(i) * time.Second)}
			if i%2 == 0 {
				m.chat = "two@g.us"
			}
			if i%3 == 0 {
				m.sender = "1666@s.whatsapp.net"
			}
			mine = append(mine, m)
			im := msg(a.ID, m.chat, m.id, m.at, text)
			im.From = m.sender
			in = append(in, im)
			// Another person's newer copies of the same words.
			in = append(in, msg(b.ID, "one@g.us", m.id, m.at.Add(time.Hour), text))
		}
		if err := s.IngestMessages(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
		found := func(word string, o store.SearchOptions) []string {
			t.Helper()
			o.Kinds, o.Newest, o.Limit = []domain.Kind{domain.KindMessage}, true, 6
			var ids []string
			for pages := 0; ; pages++ {
				if pages > 60 {
					t.Fatal("paging does not end")
				}
				p, err := s.SearchPaged(ctx, a.ID, word, o)
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range p.Hits {
					ids = append(ids, h.ID)
				}
				if p.NextCursor == "" {
					return ids
				}
				o.Cursor = p.NextCursor
			}
		}
		want := func(word string, keep func(sent) bool) []string {
			var ids []string
			for i := len(mine) - 1; i >= 0; i-- {
				if m := mine[i]; slices.Contains(store.AskTerms(m.text), word) && keep(m) {
					ids = append(ids, m.id)
				}
			}
			return ids
		}
		all := func(sent) bool { return true }
		from, to := t0.Add(50*time.Second), t0.Add(150*time.Second)
		for _, word := range []string{"every", "fifth", "twelfth", "old", "none"} {
			for _, c := range []struct {
				name string
				o    store.SearchOptions
				keep func(sent) bool
			}{
				{"all", store.SearchOptions{}, all},
				{"chat", store.SearchOptions{ChatID: "two@g.us"}, func(m sent) bool { return m.chat == "two@g.us" }},
				{"sender", store.SearchOptions{Person: "1555@s.whatsapp.net"}, func(m sent) bool { return m.sender == "1555@s.whatsapp.net" }},
				{"time", store.SearchOptions{From: from, To: to}, func(m sent) bool { return !m.at.Before(from) && m.at.Before(to) }},
			} {
				if got, w := found(word, c.o), want(word, c.keep); !slices.Equal(got, w) {
					t.Errorf("%q, %s: found %v, want %v", word, c.name, got, w)
				}
			}
		}
		// Ask's retrieval (any of the words, ranked) finds them too.
		hits, err := s.AskSearch(ctx, a.ID, "the old ones", store.AskScope{}, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 20 {
			t.Fatalf("ask found %d of the 20 old messages", len(hits))
		}
	})
}

// TestFilteredSearchFindsWhatTheIndexFinds: a search narrowed by chat,
// person or dates reads the newest messages in time order and tests the
// words itself; it must find exactly what the full-text index finds for
// the same words (diacritics, a word's start, a place's name, a file's
// name, a contact card, the sender's name, an edit's new words) and never
// a message deleted for everyone, on both databases; the index's own
// token (the owner's) is never found.
func TestFilteredSearchFindsWhatTheIndexFinds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		const chat = "group@g.us"
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		var in []*store.IncomingMessage
		add := func(id, text string, change func(m *store.IncomingMessage)) {
			m := msg(a.ID, chat, id, t0.Add(time.Duration(len(in))*time.Minute), text)
			m.From, m.FromName, m.IsGroup = "1555@s.whatsapp.net", "Joaquim Brandão", true
			if change != nil {
				change(m)
			}
			in = append(in, m)
		}
		add("accent", "Ação na Praça amanhã", nil)
		add("plain", "acao simples, cafe", nil)
		add("coffee", "Café com leite", nil)
		add("prefix", "relatório trimestral", nil)
		add("place", "", func(m *store.IncomingMessage) {
			m.Type, m.Location = "location", &store.MessageLocation{Latitude: 38.7, Longitude: -9.1, Name: "Padaria Lisboa", Address: "Rua Augusta 12"}
		})
		add("file", "see attached", func(m *store.IncomingMessage) {
			m.Type, m.Media = "document", &store.Media{MimeType: "application/pdf", FileName: "Relatório_Final.pdf"}
		})
		add("card", "", func(m *store.IncomingMessage) {
			m.Type, m.Contact = "contact", &store.MessageContact{DisplayName: "Dra. Inês Vaz"}
		})
		add("other", "nothing to see", func(m *store.IncomingMessage) { m.From, m.FromName = "1666@s.whatsapp.net", "Zé" })
		add("deleted", "segredo apagado", nil)
		add("edited", "texto antigo", nil)
		add("greek", "ΕΙΜΑΙ Ο ΦΙΛΟΣ ΣΟΥ", nil) // a capital sigma folds to σ, the index's ς too
		if err := s.IngestMessages(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
		// The address book names the sender after the messages came: the
		// index keeps the name they came with, also for an edit after it.
		if err := s.SetContactNames(ctx, a.ID, map[string]string{"1555@s.whatsapp.net": "Quim Livro"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []store.MessageChange{
			{UserID: a.ID, ChatID: chat, TargetID: "deleted", Kind: store.ChangeRevoke, By: "1555@s.whatsapp.net", At: t0.Add(time.Hour)},
			{UserID: a.ID, ChatID: chat, TargetID: "edited", Kind: store.ChangeEdit, By: "1555@s.whatsapp.net", Text: "texto novo", At: t0.Add(time.Hour)},
		} {
			if _, err := s.ApplyMessageChange(ctx, c, nil); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(q string, o store.SearchOptions) []string {
			t.Helper()
			o.Kinds, o.Limit = []domain.Kind{domain.KindMessage}, 100
			hits, err := s.Search(ctx, a.ID, q, o)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, h := range hits {
				out = append(out, h.ID)
			}
			slices.Sort(out)
			return out
		}
		for _, c := range []struct {
			q    string
			want []string
			// agree: only that the filtered searches find what the index
			// finds (PostgreSQL's index does not fold a final sigma).
			agree bool
		}{
			{q: "acao", want: []string{"accent", "plain"}},
			{q: "Açao praça", want: []string{"accent"}},
			{q: "cafe", want: []string{"coffee", "plain"}},
			{q: "relat", want: []string{"file", "prefix"}}, // the start of a word
			{q: "relatorio final", want: []string{"file"}},
			{q: "padaria augusta", want: []string{"place"}},
			{q: "ines", want: []string{"card"}},
			{q: "brandao", want: []string{"accent", "card", "coffee", "edited", "file", "greek", "place", "plain", "prefix"}}, // the name they came with
			{q: "livro", want: nil},
			{q: "φίλος", agree: true},
			{q: "φιλοσ", want: []string{"greek"}},
			{q: "u", want: nil}, // not the start of the owner's token, which starts every document
			{q: "segredo", want: nil},
			{q: "antigo", want: nil},
			{q: "novo", want: []string{"edited"}},
			{q: "ze nothing", want: []string{"other"}},
		} {
			index := ids(c.q, store.SearchOptions{})
			for name, o := range map[string]store.SearchOptions{
				"chat":   {ChatID: chat},
				"dates":  {From: t0, To: t0.Add(24 * time.Hour)},
				"newest": {Newest: true},
			} {
				if got := ids(c.q, o); !slices.Equal(got, index) {
					t.Errorf("%q with %s: %v, the index finds %v", c.q, name, got, index)
				}
			}
			if !c.agree && !slices.Equal(index, c.want) {
				t.Errorf("%q: %v, want %v", c.q, index, c.want)
			}
		}
	})
}
