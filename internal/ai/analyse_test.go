package ai

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/knowledge"
)

var (
	berlin = mustLoad("Europe/Berlin")
	// now is a Monday afternoon in Berlin (UTC+2 in May).
	now = time.Date(2026, 5, 4, 14, 3, 0, 0, berlin)
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func ptr[T any](v T) *T { return &v }

const goodItems = `{"items":[
 {"kind":"task","title":"Buy milk","body":null,"due":"2026-05-05T09:00:00+02:00","address":null,"latitude":null,"longitude":null},
 {"kind":"task","title":"Call   the\n dentist","body":"Call the dentist about the crown","due":"2026-05-08","address":null,"latitude":null,"longitude":null},
 {"kind":"note","title":"Door code is 4711","body":null,"due":null,"address":null,"latitude":null,"longitude":null},
 {"kind":"idea","title":"Podcast about urban gardening","body":"Maybe a podcast about urban gardening with Jonas","due":null,"address":null,"latitude":null,"longitude":null},
 {"kind":"location","title":"Café Einstein","body":null,"due":null,"address":"Kurfürstenstraße 58, Berlin","latitude":52.5034,"longitude":13.3603}
]}`

func wantGoodItems() []knowledge.Item {
	return []knowledge.Item{
		{Kind: domain.KindTask, Title: "Buy milk", Due: ptr(time.Date(2026, 5, 5, 9, 0, 0, 0, berlin)), DueHasTime: true},
		{Kind: domain.KindTask, Title: "Call the dentist", Body: "Call the dentist about the crown", Due: ptr(time.Date(2026, 5, 8, 0, 0, 0, 0, berlin))},
		{Kind: domain.KindNote, Title: "Door code is 4711"},
		{Kind: domain.KindIdea, Title: "Podcast about urban gardening", Body: "Maybe a podcast about urban gardening with Jonas"},
		{Kind: domain.KindLocation, Title: "Café Einstein", Address: "Kurfürstenstraße 58, Berlin", Latitude: ptr(52.5034), Longitude: ptr(13.3603)},
	}
}

func sameItems(t *testing.T, got, want []knowledge.Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d items, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if (g.Due == nil) != (w.Due == nil) || (g.Due != nil && !g.Due.Equal(*w.Due)) {
			t.Errorf("item %d: due = %v, want %v", i, g.Due, w.Due)
		}
		if g.Due != nil && g.Due.Location() != berlin {
			t.Errorf("item %d: due is in %v, want the caller's location", i, g.Due.Location())
		}
		g.Due, w.Due = nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("item %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestExtractItems(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatCompletion(goodItems))
	})
	an, err := NewAnalyser(api.config())
	if err != nil {
		t.Fatal(err)
	}
	text := "Remind me to buy milk tomorrow at nine. Call the dentist on Friday. The door code is 4711."
	items, err := an.ExtractItems(context.Background(), text, now, berlin)
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, items, wantGoodItems())

	reqs := api.requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/v1/chat/completions" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	if h := r.Header.Get("Authorization"); h != "Bearer "+testKey {
		t.Errorf("Authorization = %q", h)
	}
	if r.JSON["model"] != "test-model" {
		t.Errorf("model = %v", r.JSON["model"])
	}
	roles, contents := messages(t, r)
	if strings.Join(roles, ",") != "system,user" || contents[1] != text {
		t.Errorf("messages = %v %q", roles, contents)
	}
	for _, s := range []string{"task", "note", "idea", "location", "event", "Monday, 2026-05-04 14:03", "Europe/Berlin", "UTC+02:00"} {
		if !strings.Contains(contents[0], s) {
			t.Errorf("system prompt does not mention %q", s)
		}
	}
	rf := r.JSON["response_format"]
	if dig(rf, "type") != "json_schema" || dig(rf, "json_schema", "name") != "knowledge_items" || dig(rf, "json_schema", "strict") != true {
		t.Errorf("response_format = %v", rf)
	}
	kinds, _ := dig(rf, "json_schema", "schema", "properties", "items", "items", "properties", "kind", "enum").([]any)
	if len(kinds) != 5 || dig(rf, "json_schema", "schema", "additionalProperties") != false {
		t.Errorf("schema = %v", dig(rf, "json_schema", "schema"))
	}
}

func TestExtractItemsDropsInvalid(t *testing.T) {
	t.Parallel()
	answer := `{"items":[
 {"kind":"task","title":"Buy milk","body":null,"due":"2026-05-05T09:00:00+02:00","address":null,"latitude":null,"longitude":null},
 {"kind":"reminder","title":"Unknown kind","body":null,"due":null,"address":null,"latitude":null,"longitude":null},
 {"kind":"note","title":"  ","body":"Empty title","due":null,"address":null,"latitude":null,"longitude":null},
 {"kind":"task","title":"Bad date","body":null,"due":"next tuesday","address":null,"latitude":null,"longitude":null},
 {"kind":"task","title":"Impossible date","body":null,"due":"2026-02-30","address":null,"latitude":null,"longitude":null},
 {"kind":"location","title":"Nowhere","body":null,"due":null,"address":null,"latitude":123.4,"longitude":10},
 {"kind":"location","title":"Half a place","body":null,"due":null,"address":null,"latitude":52.5,"longitude":null},
 {"kind":"note","title":"Wrong type","body":null,"due":null,"address":null,"latitude":"52.5","longitude":"13.4"},
 "not an object",
 {"kind":"Note","title":"Local time without offset","body":null,"due":"2026-05-06T18:30:00","address":null,"latitude":null,"longitude":null}
]}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatCompletion(answer))
	})
	an, _ := NewAnalyser(api.config())
	items, err := an.ExtractItems(context.Background(), "lots of things", now, berlin)
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, items, []knowledge.Item{
		{Kind: domain.KindTask, Title: "Buy milk", Due: ptr(time.Date(2026, 5, 5, 9, 0, 0, 0, berlin)), DueHasTime: true},
		{Kind: domain.KindNote, Title: "Local time without offset", Due: ptr(time.Date(2026, 5, 6, 18, 30, 0, 0, berlin)), DueHasTime: true},
	})
}

func TestExtractItemsCapsLengths(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 200)
	answer := mustJSON(map[string]any{"items": []any{map[string]any{
		"kind": "note", "title": long, "body": strings.Repeat("b", 5000), "due": nil,
		"address": nil, "latitude": nil, "longitude": nil,
	}}})
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatCompletion(answer))
	})
	an, _ := NewAnalyser(api.config())
	items, err := an.ExtractItems(context.Background(), "x", now, berlin)
	if err != nil || len(items) != 1 {
		t.Fatalf("%v, %v", items, err)
	}
	if n := len([]rune(items[0].Title)); n > maxTitleRunes || !strings.HasSuffix(items[0].Title, "…") {
		t.Errorf("title has %d runes: %q", n, items[0].Title)
	}
	if n := len([]rune(items[0].Body)); n > maxBodyRunes {
		t.Errorf("body has %d runes", n)
	}
}

func TestExtractItemsInvalidAnswer(t *testing.T) {
	t.Parallel()
	for _, content := range []string{
		"I could not find any tasks in this text.",
		`{"result": []}`,
		`{"items": "none"}`,
		`{"items": [`,
		"",
	} {
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 200, chatCompletion(content))
		})
		an, _ := NewAnalyser(api.config())
		items, err := an.ExtractItems(context.Background(), "x", now, berlin)
		if !errors.Is(err, ErrInvalidAnswer) || IsRetryable(err) || items != nil {
			t.Errorf("answer %q: items %v, err %v; want a permanent ErrInvalidAnswer", content, items, err)
		}
	}
}

func TestExtractItemsRefusal(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		body := strings.Replace(chatCompletion(""), `"refusal":null`, `"refusal":"I'm sorry, I can't help with that."`, 1)
		writeJSON(w, 200, body)
	})
	an, _ := NewAnalyser(api.config())
	_, err := an.ExtractItems(context.Background(), "x", now, berlin)
	if !errors.Is(err, ErrRefused) || IsRetryable(err) || !strings.Contains(err.Error(), "can't help") {
		t.Errorf("err = %v, want a permanent ErrRefused with the refusal", err)
	}
}

func TestExtractItemsEmptyText(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatCompletion(goodItems))
	})
	an, _ := NewAnalyser(api.config())
	items, err := an.ExtractItems(context.Background(), " \n\t", now, berlin)
	if items != nil || err != nil || len(api.requests()) != 0 {
		t.Errorf("empty text: %v, %v, %d requests; want nothing", items, err, len(api.requests()))
	}
}

// rejectSchema answers like OpenAI does for a model without structured
// outputs.
func rejectSchema(w http.ResponseWriter) {
	writeJSON(w, 400, apiError("Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model. Learn more about supported models at the Structured Outputs guide: https://platform.openai.com/docs/guides/structured-outputs",
		"invalid_request_error", "response_format", ""))
}

func rejectObject(w http.ResponseWriter) {
	writeJSON(w, 400, apiError("Invalid parameter: 'response_format' of type 'json_object' is not supported with this model.",
		"invalid_request_error", "response_format", ""))
}

func TestExtractItemsFallbackToJSONObject(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		var body map[string]any
		_ = readJSON(r, &body)
		if dig(body, "response_format", "type") == "json_schema" {
			rejectSchema(w)
			return
		}
		writeJSON(w, 200, chatCompletion(goodItems))
	})
	an, _ := NewAnalyser(api.config())
	for i := range 2 {
		items, err := an.ExtractItems(context.Background(), "things", now, berlin)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		sameItems(t, items, wantGoodItems())
	}
	reqs := api.requests()
	if len(reqs) != 3 {
		t.Fatalf("server got %d requests, want 3 (rejected, fallback, remembered)", len(reqs))
	}
	for i, r := range reqs[1:] {
		if got := dig(r.JSON, "response_format", "type"); got != "json_object" {
			t.Errorf("request %d: response_format.type = %v, want json_object", i+1, got)
		}
		_, contents := messages(t, r)
		if !strings.Contains(contents[0], `"enum":["task","note","idea","location","event"]`) {
			t.Errorf("request %d: the system prompt does not carry the schema", i+1)
		}
	}
}

func TestExtractItemsFallbackToPlain(t *testing.T) {
	t.Parallel()
	answer := "Sure! Here are the items I found:\n\n```json\n" + goodItems + "\n```\nLet me know if you need anything else {or not}."
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		var body map[string]any
		_ = readJSON(r, &body)
		switch dig(body, "response_format", "type") {
		case "json_schema":
			rejectSchema(w)
		case "json_object":
			rejectObject(w)
		default:
			writeJSON(w, 200, chatCompletion(answer))
		}
	})
	an, _ := NewAnalyser(api.config())
	for i := range 2 {
		items, err := an.ExtractItems(context.Background(), "things", now, berlin)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		sameItems(t, items, wantGoodItems())
	}
	var modes []string
	for _, r := range api.requests() {
		m, _ := dig(r.JSON, "response_format", "type").(string)
		if _, ok := r.JSON["response_format"]; !ok {
			m = "none"
		}
		modes = append(modes, m)
	}
	if strings.Join(modes, ",") != "json_schema,json_object,none,none" {
		t.Errorf("modes = %v, want json_schema,json_object,none,none", modes)
	}
}

func TestFindJSONObject(t *testing.T) {
	t.Parallel()
	accept := hasArrayField("items")
	tests := []struct {
		in   string
		want string
	}{
		{`{"items":[]}`, `{"items":[]}`},
		{"  {\"items\":[1]}\n", `{"items":[1]}`},
		{"```json\n{\"items\":[2]}\n```", `{"items":[2]}`},
		{`Answer: {"note":"x"} and then {"items":[3]} done`, `{"items":[3]}`},
		{`{"wrapper":{"items":[4]}}`, `{"items":[4]}`},
		{`{"items":[5]`, ""},
		{`no json at all`, ""},
	}
	for _, tc := range tests {
		got, ok := findJSONObject(tc.in, accept)
		if string(got) != tc.want || ok != (tc.want != "") {
			t.Errorf("findJSONObject(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// TestExtractItemsEvents: events come back with their start, end, place and
// people in the caller's zone; an event without a time of day, with an end
// before its start or without a start is dropped. Answers from models that
// do not know the event fields still parse.
func TestExtractItemsEvents(t *testing.T) {
	t.Parallel()
	answer := `{"items":[
 {"kind":"event","title":"Meet Lucía","body":null,"due":null,"address":null,"latitude":null,"longitude":null,"start":"2026-05-09T11:00:00+02:00","end":null,"place":"Café Einstein","people":["Lucía"]},
 {"kind":"event","title":"Team sync","body":null,"due":null,"address":null,"latitude":null,"longitude":null,"start":"2026-05-05T15:00:00","end":"2026-05-05T16:00:00","place":null,"people":null},
 {"kind":"event","title":"Day only","body":null,"due":null,"address":null,"latitude":null,"longitude":null,"start":"2026-05-06","end":null,"place":null,"people":null},
 {"kind":"event","title":"Backwards","body":null,"due":null,"address":null,"latitude":null,"longitude":null,"start":"2026-05-06T10:00:00+02:00","end":"2026-05-06T09:00:00+02:00","place":null,"people":null},
 {"kind":"event","title":"No start","body":null,"due":null,"address":null,"latitude":null,"longitude":null,"start":null,"end":null,"place":null,"people":null},
 {"kind":"task","title":"Old-style task","body":null,"due":"2026-05-05","address":null,"latitude":null,"longitude":null}
]}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatCompletion(answer))
	})
	an, _ := NewAnalyser(api.config())
	items, err := an.ExtractItems(context.Background(), "Meet Lucía on Saturday at 11 at Café Einstein", now, berlin)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("got %d items, want 3: %+v", len(items), items)
	}
	e := items[0]
	if e.Kind != domain.KindEvent || e.Title != "Meet Lucía" || e.Place != "Café Einstein" || !reflect.DeepEqual(e.People, []string{"Lucía"}) ||
		e.Start == nil || !e.Start.Equal(time.Date(2026, 5, 9, 11, 0, 0, 0, berlin)) || e.End != nil || e.Due != nil {
		t.Errorf("event 0 = %+v", e)
	}
	e = items[1]
	if e.Start == nil || !e.Start.Equal(time.Date(2026, 5, 5, 15, 0, 0, 0, berlin)) || e.End == nil || !e.End.Equal(time.Date(2026, 5, 5, 16, 0, 0, 0, berlin)) ||
		e.People != nil || e.Place != "" {
		t.Errorf("event 1 = %+v (a local time without offset is read in the caller's zone)", e)
	}
	if items[2].Kind != domain.KindTask {
		t.Errorf("item 2 = %+v", items[2])
	}
	rf := api.requests()[0].JSON["response_format"]
	req, _ := dig(rf, "json_schema", "schema", "properties", "items", "items", "required").([]any)
	for _, f := range []string{"start", "end", "place", "people"} {
		found := false
		for _, r := range req {
			found = found || r == f
		}
		if !found {
			t.Errorf("schema does not require %q (strict mode): %v", f, req)
		}
	}
}
