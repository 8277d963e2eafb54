package store_test

import (
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// searchIDs runs a search both ways (by relevance and newest first) and
// returns the ids found, sorted; the two must agree.
func searchIDs(t *testing.T, s *store.Store, userID, q string, o store.SearchOptions) []string {
	t.Helper()
	var out [2][]string
	for i, newest := range []bool{false, true} {
		o.Newest, o.Limit = newest, 100
		hits, err := s.Search(ctx, userID, q, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			out[i] = append(out[i], string(h.Kind)+":"+h.ID)
		}
		slices.Sort(out[i])
	}
	if !slices.Equal(out[0], out[1]) {
		t.Fatalf("%q %+v: by relevance %v, newest first %v", q, o, out[0], out[1])
	}
	return out[0]
}

// A tag or person filter is a term of the full-text query; text that
// spells the term (in any of the forms it is stored in) does not pass it.
func TestSearchFilterKeysCannotBeForged(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	eachClocked(t, t0, func(t *testing.T, s *store.Store) {
		a, b := mustUser(t, s, "a@x.io"), mustUser(t, s, "b@x.io")
		const person = "p1@s.whatsapp.net"
		out, err := s.AddExtracted(ctx, a.ID, msgSource("c@g.us", "m1", person, "a obra #casa", t0),
			[]store.Extracted{{Kind: domain.KindTask, Title: "obra da casa"}})
		if err != nil {
			t.Fatal(err)
		}
		tagged := "task:" + out[0].(store.Task).ID
		forged := "obra \ue000t" + hex.EncodeToString([]byte("casa")) + " t:casa t" + hex.EncodeToString([]byte("casa")) +
			" \ue000p" + hex.EncodeToString([]byte(person)) + " p:" + person + " #casa"
		if _, err := s.AddExtracted(ctx, a.ID, msgSource("c@g.us", "m2", "p2@s.whatsapp.net", "sem etiqueta", t0),
			[]store.Extracted{{Kind: domain.KindTask, Title: forged, Body: forged}, {Kind: domain.KindNote, Title: forged}}); err != nil {
			t.Fatal(err)
		}
		// Another user's item with the tag and the person.
		if _, err := s.AddExtracted(ctx, b.ID, msgSource("c@g.us", "m1", person, "a obra #casa", t0),
			[]store.Extracted{{Kind: domain.KindTask, Title: "obra da casa"}}); err != nil {
			t.Fatal(err)
		}
		// In the index itself, only the tagged item holds the keys.
		for _, key := range []string{"t:casa", "p:" + person} {
			if n, err := s.FilterKeyDocs(ctx, a.ID, key); err != nil || n != 1 {
				t.Errorf("documents holding %s: %d %v", key, n, err)
			}
		}
		if got := searchIDs(t, s, a.ID, "obra", store.SearchOptions{}); len(got) != 3 {
			t.Fatalf("unfiltered: %v", got)
		}
		for _, o := range []store.SearchOptions{{Tag: "casa"}, {Person: person}, {Tag: "casa", Person: person}} {
			if got := searchIDs(t, s, a.ID, "obra", o); !slices.Equal(got, []string{tagged}) {
				t.Errorf("%+v: %v, want only %s", o, got, tagged)
			}
		}
		// The forged item's own words still find it.
		if got := searchIDs(t, s, a.ID, "casa", store.SearchOptions{Person: "p2@s.whatsapp.net"}); len(got) != 2 {
			t.Errorf("the forger's items by their person: %v", got)
		}
	})
}

// The keys follow an item's tags and people as they change, whichever way
// they change, for every tagged kind.
func TestSearchFiltersFollowTagsAndPeople(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	eachClocked(t, t0, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		out, err := s.AddExtracted(ctx, a.ID, msgSource("c@g.us", "m1", "p1@s.whatsapp.net", "a obra", t0),
			[]store.Extracted{{Kind: domain.KindTask, Title: "obra"}, {Kind: domain.KindNote, Title: "obra"}})
		if err != nil {
			t.Fatal(err)
		}
		task := "task:" + out[0].(store.Task).ID
		im := &store.Image{ChatID: "c@g.us", MessageID: "i1", Sender: "p3@s.whatsapp.net", Caption: "foto da obra", SHA256: "h", MimeType: "image/png", SentAt: t0}
		if ok, err := s.AddImage(ctx, a.ID, im); err != nil || !ok {
			t.Fatal(ok, err)
		}
		v := &store.VoiceMemo{ChatID: "c@g.us", MessageID: "v1", Sender: "p4@s.whatsapp.net", SHA256: "h2", MimeType: "audio/ogg", SentAt: t0}
		if _, err := s.AddVoiceMemo(ctx, a.ID, v); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetTranscript(ctx, a.ID, v.ID, "falar da obra #casa", "pt"); err != nil {
			t.Fatal(err)
		}
		bm, _, err := s.ShareBookmark(ctx, a.ID, "https://obra.example", "obra.example", store.BookmarkShare{ChatID: "c@g.us", MessageID: "b1", Sender: "p1@s.whatsapp.net", SharedAt: t0, Text: "https://obra.example"})
		if err != nil {
			t.Fatal(err)
		}
		// Its page was never fetched: the hit is titled by its address.
		if hits, err := s.Search(ctx, a.ID, "obra", store.SearchOptions{Kinds: []domain.Kind{domain.KindBookmark}}); err != nil || len(hits) != 1 || hits[0].Title != "https://obra.example" {
			t.Fatalf("an untitled bookmark's hit: %+v %v", hits, err)
		}
		tag := func(want ...string) {
			t.Helper()
			slices.Sort(want)
			if got := searchIDs(t, s, a.ID, "obra", store.SearchOptions{Tag: "casa"}); !slices.Equal(got, want) {
				t.Fatalf("tag casa: %v, want %v", got, want)
			}
		}
		memo := "voice_memo:" + v.ID
		tag(memo)
		// By hand, on an item indexed before.
		if _, err := s.ChangeTags(ctx, a.ID, domain.KindTask, out[0].(store.Task).ID, nil, []string{"casa"}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ChangeTags(ctx, a.ID, domain.KindImage, im.ID, nil, []string{"casa"}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ChangeTags(ctx, a.ID, domain.KindBookmark, bm.ID, nil, []string{"casa"}, nil); err != nil {
			t.Fatal(err)
		}
		tag(memo, task, "image:"+im.ID, "bookmark:"+bm.ID)
		if _, err := s.ChangeTags(ctx, a.ID, domain.KindTask, out[0].(store.Task).ID, nil, nil, []string{"casa"}); err != nil {
			t.Fatal(err)
		}
		set := []string{"outra"}
		if _, err := s.ChangeTags(ctx, a.ID, domain.KindImage, im.ID, &set, nil, nil); err != nil {
			t.Fatal(err)
		}
		tag(memo, "bookmark:"+bm.ID)
		// A hashtag in a later share of a bookmark; the second sharer is
		// one of its people too.
		if _, _, err := s.ShareBookmark(ctx, a.ID, "https://obra.example", "obra.example", store.BookmarkShare{ChatID: "d@g.us", MessageID: "b2", Sender: "p5@s.whatsapp.net", SharedAt: t0, Text: "olha #obras"}); err != nil {
			t.Fatal(err)
		}
		if got := searchIDs(t, s, a.ID, "obra", store.SearchOptions{Tag: "obras"}); !slices.Equal(got, []string{"bookmark:" + bm.ID}) {
			t.Fatalf("tag obras: %v", got)
		}
		for person, want := range map[string][]string{
			"p1@s.whatsapp.net": {"bookmark:" + bm.ID, "note:" + out[1].(store.Note).ID, task},
			"p3@s.whatsapp.net": {"image:" + im.ID},
			"p4@s.whatsapp.net": {memo},
			"p5@s.whatsapp.net": {"bookmark:" + bm.ID},
		} {
			slices.Sort(want)
			if got := searchIDs(t, s, a.ID, "obra", store.SearchOptions{Person: person, Kinds: []domain.Kind{domain.KindTask, domain.KindNote, domain.KindImage, domain.KindVoiceMemo, domain.KindBookmark}}); !slices.Equal(got, want) {
				t.Errorf("person %s: %v, want %v", person, got, want)
			}
		}
		// A bookmark is in every chat it was shared in.
		for chat, want := range map[string][]string{
			"c@g.us": {"bookmark:" + bm.ID, "image:" + im.ID, memo, "note:" + out[1].(store.Note).ID, task},
			"d@g.us": {"bookmark:" + bm.ID},
			"e@g.us": nil,
		} {
			slices.Sort(want)
			if got := searchIDs(t, s, a.ID, "obra", store.SearchOptions{ChatID: chat}); !slices.Equal(got, want) {
				t.Errorf("chat %s: %v, want %v", chat, got, want)
			}
		}
	})
}

// A database indexed before documents held filter keys (tags and people:
// migration 033; chats: 042) gets them as it is upgraded, and filtered
// search finds what it found before.
func TestSearchFilterKeysAfterUpgrade(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		t0 := time.Now().Add(-time.Hour)
		out, err := s.AddExtracted(ctx, a.ID, msgSource("c@g.us", "m1", "p1@s.whatsapp.net", "a obra #casa", t0),
			[]store.Extracted{{Kind: domain.KindTask, Title: "obra"}, {Kind: domain.KindEvent, Title: "obra", Start: &t0}})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"event:" + out[1].(store.Event).ID, "task:" + out[0].(store.Task).ID}
		slices.Sort(want)
		sum, err := s.PutSummary(ctx, a.ID, store.Summary{ChatID: "c@g.us", ChatName: "Obra", Day: "2026-05-01", Language: "pt", Text: "a obra avançou"})
		if err != nil {
			t.Fatal(err)
		}
		withSummary := append([]string{"summary:" + sum.ID}, want...)
		slices.Sort(withSummary)
		if err := s.ForgetFilterKeys(ctx); err != nil {
			t.Fatal(err)
		}
		for _, o := range []store.SearchOptions{{Tag: "casa"}, {ChatID: "c@g.us"}} {
			if got := searchIDs(t, s, a.ID, "obra", o); len(got) != 0 {
				t.Fatalf("keys not forgotten: %+v %v", o, got)
			}
		}
		if err := s.RedoFilterKeys(ctx); err != nil {
			t.Fatal(err)
		}
		for _, o := range []store.SearchOptions{{Tag: "casa"}, {Person: "p1@s.whatsapp.net"}, {ChatID: "c@g.us"}} {
			w := want
			if o.ChatID != "" {
				w = withSummary
			}
			o.Kinds = []domain.Kind{domain.KindTask, domain.KindEvent, domain.KindSummary}
			if got := searchIDs(t, s, a.ID, "obra", o); !slices.Equal(got, w) {
				t.Errorf("%+v after the upgrade: %v, want %v", o, got, w)
			}
		}
	})
}

// Ranked search scores every kind of thing by the text it was indexed
// with (on SQLite in Go, from that text read back): each hit has a rank,
// and, narrowed by a tag or not, the item saying the word most often,
// briefly, comes first.
func TestSearchRanksEveryKindByItsText(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	eachClocked(t, t0, func(t *testing.T, s *store.Store) {
		a := mustUser(t, s, "a@x.io")
		out, err := s.AddExtracted(ctx, a.ID, msgSource("c@g.us", "m1", "p1@s.whatsapp.net", "sobre a obra #casa", t0),
			[]store.Extracted{
				{Kind: domain.KindTask, Title: "ver a obra", Body: "antes de sexta, com o mestre de obras e o arquiteto"},
				{Kind: domain.KindNote, Title: "Obra", Body: "obra, obra"},
				{Kind: domain.KindIdea, Title: "pintar", Body: "a obra de azul"},
				{Kind: domain.KindLocation, Title: "depósito", Address: "rua da obra 1"},
				{Kind: domain.KindEvent, Title: "visita", Place: "na obra", Start: &t0, People: []string{"Ana"}},
			})
		if err != nil {
			t.Fatal(err)
		}
		note := "note:" + out[1].(store.Note).ID
		im := &store.Image{ChatID: "c@g.us", MessageID: "i1", Sender: "p3@s.whatsapp.net", Caption: "foto da obra", SHA256: "h", MimeType: "image/png", SentAt: t0}
		if ok, err := s.AddImage(ctx, a.ID, im); err != nil || !ok {
			t.Fatal(ok, err)
		}
		v := &store.VoiceMemo{ChatID: "c@g.us", MessageID: "v1", Sender: "p4@s.whatsapp.net", SHA256: "h2", MimeType: "audio/ogg", SentAt: t0}
		if _, err := s.AddVoiceMemo(ctx, a.ID, v); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetTranscript(ctx, a.ID, v.ID, "falar da obra", "pt"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ShareBookmark(ctx, a.ID, "https://obra.example", "obra.example", store.BookmarkShare{ChatID: "c@g.us", MessageID: "b1", Sender: "p1@s.whatsapp.net", SharedAt: t0, Text: "https://obra.example"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutSummary(ctx, a.ID, store.Summary{ChatID: "c@g.us", ChatName: "Casa", Day: "2026-05-01", Text: "Falaram da obra."}); err != nil {
			t.Fatal(err)
		}
		for _, o := range []store.SearchOptions{{}, {Tag: "casa"}} {
			o.Limit = 100
			hits, err := s.Search(ctx, a.ID, "obra", o)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[domain.Kind]bool{}
			for _, h := range hits {
				kinds[h.Kind] = true
				if h.Rank <= 0 {
					t.Errorf("tag %q: %s %s has rank %v", o.Tag, h.Kind, h.ID, h.Rank)
				}
			}
			if want := map[bool]int{false: 9, true: 5}[o.Tag != ""]; len(kinds) != want || len(hits) != want {
				t.Errorf("tag %q: %d hits of %d kinds, want %d", o.Tag, len(hits), len(kinds), want)
			}
			if len(hits) > 0 && string(hits[0].Kind)+":"+hits[0].ID != note {
				t.Errorf("tag %q: first %s %s (%s), want the note", o.Tag, hits[0].Kind, hits[0].ID, hits[0].Title)
			}
		}
	})
}
