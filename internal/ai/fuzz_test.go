package ai

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
)

// FuzzAnswers feeds arbitrary model and server output through every parser
// of it: no panic, and whatever comes out keeps the promised bounds.
func FuzzAnswers(f *testing.F) {
	f.Add(goodItems)
	f.Add("Here:\n```json\n" + goodItems + "\n```")
	f.Add(`{"items":[{"kind":"location","title":"x","latitude":1e400,"longitude":-0}]}`)
	f.Add(`{"items":[{"kind":"task","title":"t","due":"2026-13-45T99:99:99+25:00"}]}`)
	f.Add(`{"error":{"message":"m","type":"t","param":null,"code":429}}`)
	f.Add(`{"task":"transcribe","language":"english","duration":"NaN","text":"hi"}`)
	f.Add(`{"detail":[{"msg":"x"}]}`)
	f.Add("{{{{\"items\":[]")
	f.Add(`{"items":[{"kind":"event","title":"e","start":"2026-05-09T11:00:00+02:00","end":"2026-05-09T10:00","place":" x ","people":["a",""," b "]}]}`)
	f.Fuzz(func(t *testing.T, answer string) {
		if obj, ok := findJSONObject(answer, hasArrayField("items")); ok {
			if !json.Valid(obj) {
				t.Fatalf("findJSONObject returned invalid JSON %q", obj)
			}
			items, _ := itemsFromAnswer(obj, berlin)
			if len(items) > maxItems {
				t.Errorf("%d items, cap %d", len(items), maxItems)
			}
			for _, it := range items {
				checkItem(t, it)
			}
		}
		tr, err := decodeTranscript([]byte(answer))
		if err == nil && (tr.Duration < 0 || strings.TrimSpace(tr.Text) != tr.Text) {
			t.Errorf("transcript %+v", tr)
		}
		msg, _, _, _ := parseErrorBody([]byte(answer))
		_ = shorten(msg, 500)
	})
}

func checkItem(t *testing.T, it knowledge.Item) {
	t.Helper()
	switch it.Kind {
	case domain.KindTask, domain.KindNote, domain.KindIdea, domain.KindLocation:
		if it.Start != nil || it.End != nil || it.Place != "" || it.People != nil {
			t.Errorf("event fields on a %s: %+v", it.Kind, it)
		}
	case domain.KindEvent:
		if it.Start == nil || it.Due != nil || it.End != nil && it.End.Before(*it.Start) || len(it.People) > maxPeople {
			t.Errorf("event %+v", it)
		}
		for _, p := range it.People {
			if p == "" || strings.TrimSpace(p) != p {
				t.Errorf("person %q", p)
			}
		}
	default:
		t.Errorf("kind %q", it.Kind)
	}
	if it.Title == "" || utf8.RuneCountInString(it.Title) > maxTitleRunes || !utf8.ValidString(it.Title) || strings.TrimSpace(it.Title) != it.Title {
		t.Errorf("title %q", it.Title)
	}
	if utf8.RuneCountInString(it.Body) > maxBodyRunes || !utf8.ValidString(it.Body) {
		t.Errorf("body of %d runes", utf8.RuneCountInString(it.Body))
	}
	if (it.Latitude == nil) != (it.Longitude == nil) {
		t.Error("half a coordinate")
	}
	if it.Latitude != nil && (it.Kind != domain.KindLocation || *it.Latitude < -90 || *it.Latitude > 90 || *it.Longitude < -180 || *it.Longitude > 180) {
		t.Errorf("coordinates %v,%v on a %s", *it.Latitude, *it.Longitude, it.Kind)
	}
	if it.Due != nil && it.Due.Location() != berlin {
		t.Errorf("due %v not in the caller's location", it.Due)
	}
	if it.Due == nil && it.DueHasTime {
		t.Error("DueHasTime without Due")
	}
}
