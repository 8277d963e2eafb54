package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// listAll reads every page of an API list.
func listAll(t *testing.T, srv *apptest.Server, token, path string) []any {
	t.Helper()
	out := []any{}
	cursor := ""
	for {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		url := path + sep + "limit=200"
		if cursor != "" {
			url += "&cursor=" + cursor
		}
		r := srv.Do("GET", url, token, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, r.Status, r.Body)
		}
		var page struct {
			Items      []any  `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		r.JSON(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

// unzip reads an archive into memory (tests only).
func unzip(t *testing.T, body []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip archive: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if _, dup := files[f.Name]; dup {
			t.Fatalf("%s is twice in the archive", f.Name)
		}
		files[f.Name] = b
	}
	return files
}

func TestExport(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testExport(t, d) })
	}
}

func testExport(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	srv.Register("first@example.com")
	ana, bruno := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	ctx := context.Background()

	mustCreate := func(u apptest.User, path string, body any) map[string]any {
		t.Helper()
		r := srv.Do("POST", path, u.Token, body)
		if r.Status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
		}
		var v map[string]any
		r.JSON(t, &v)
		return v
	}
	due := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	mustCreate(ana, "/api/v1/tasks", map[string]any{"title": "Book the [dentist]", "body": "call before noon\nask for Dr. Reis", "due": due})
	done := mustCreate(ana, "/api/v1/tasks", map[string]any{"title": "Renew passport"})
	if r := srv.Do("PATCH", "/api/v1/tasks/"+done["id"].(string), ana.Token, map[string]any{"done": true}); r.Status != http.StatusOK {
		t.Fatalf("done: %d %s", r.Status, r.Body)
	}
	mustCreate(ana, "/api/v1/tasks", map[string]any{"title": "Water plants"})
	mustCreate(ana, "/api/v1/notes", map[string]any{"title": "Wi-Fi at the cabin", "body": "network: cabin\npassword: pinecone"})
	mustCreate(ana, "/api/v1/ideas", map[string]any{"title": "A bike rack for the hallway"})
	mustCreate(ana, "/api/v1/locations", map[string]any{"name": "Cervejaria Ramiro", "address": "Av. Almirante Reis 1, Lisboa", "latitude": 38.7206, "longitude": -9.1355})
	mustCreate(ana, "/api/v1/bookmarks", map[string]any{"url": "https://example.org/recipes/tarte", "title": "Tarte tatin"})

	srv.Connect(ana, "5511900000001")
	group := srv.Deliver(ana, map[string]any{"id": "ana-img", "chat": "120363000777", "group": true, "chatName": "Book club",
		"from": "351912000002", "fromName": "Dora", "type": "image", "caption": "the cover"})
	srv.Deliver(ana, map[string]any{"id": "ana-voice", "chat": "351912000001", "chatName": "Carla", "type": "voice"})
	srv.Deliver(ana, map[string]any{"id": "ana-text", "chat": "351912000001", "type": "text", "text": "see you at Ramiro"})
	waitFor(t, func() bool {
		return len(listAll(t, srv, ana.Token, "/api/v1/images")) == 1 && len(listAll(t, srv, ana.Token, "/api/v1/voice-memos")) == 1
	})
	// The bookmark's preview is fetched (and fails: no network) before the
	// lists are compared, so that it does not change in between.
	waitFor(t, func() bool {
		b := listAll(t, srv, ana.Token, "/api/v1/bookmarks")
		return len(b) == 1 && b[0].(map[string]any)["status"] != "pending"
	})
	day := time.Now().UTC().Format("2006-01-02")
	if _, err := srv.App.Store.PutSummary(ctx, ana.ID, store.Summary{ChatID: group, ChatName: "Book club", Day: day,
		Text: "Dora shared the cover of the next book.", Generator: "builtin"}); err != nil {
		t.Fatal(err)
	}

	mustCreate(ana, "/api/v1/calendar-events", map[string]any{"title": "Lunch with Carla", "start": day + "T12:30:00Z", "end": day + "T13:30:00Z",
		"place": "Ramiro", "people": []string{"Carla"}})

	// Bruno's data, which must never show in ana's export.
	const secret = "BRUNO-ONLY"
	mustCreate(bruno, "/api/v1/calendar-events", map[string]any{"title": secret + " event", "start": day + "T12:00:00Z"})
	mustCreate(bruno, "/api/v1/tasks", map[string]any{"title": secret + " task"})
	mustCreate(bruno, "/api/v1/notes", map[string]any{"title": secret + " note"})
	mustCreate(bruno, "/api/v1/locations", map[string]any{"name": secret + " place"})
	srv.Connect(bruno, "5511900000002")
	srv.Deliver(bruno, map[string]any{"id": "bruno-text", "chat": "351912000009", "type": "text", "text": secret + " message"})
	waitFor(t, func() bool { return len(listAll(t, srv, bruno.Token, "/api/v1/whatsapp/chats")) == 1 })

	// Without a valid token: a problem, no archive.
	isProblem(t, srv.Do("GET", "/api/v1/export", "", nil), http.StatusUnauthorized, "unauthorized")

	r := srv.Do("GET", "/api/v1/export", ana.Token, nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v %.200s", r.Status, r.Header, r.Body)
	}
	files := unzip(t, r.Body)

	// The JSON files hold exactly what the API lists.
	lists := map[string]string{
		"tasks": "/api/v1/tasks", "notes": "/api/v1/notes", "ideas": "/api/v1/ideas", "locations": "/api/v1/locations",
		"events":    "/api/v1/calendar-events",
		"bookmarks": "/api/v1/bookmarks", "images": "/api/v1/images", "voice-memos": "/api/v1/voice-memos",
		"summaries": "/api/v1/summaries", "chats": "/api/v1/whatsapp/chats",
	}
	want := map[string][]any{}
	for name, path := range lists {
		want[name] = listAll(t, srv, ana.Token, path)
	}
	var msgs []any
	for _, c := range want["chats"] {
		msgs = append(msgs, listAll(t, srv, ana.Token, "/api/v1/whatsapp/chats/"+c.(map[string]any)["id"].(string)+"/messages")...)
	}
	want["messages"] = msgs
	counts := map[string]int{"tasks": 3, "notes": 1, "ideas": 1, "locations": 1, "events": 1, "bookmarks": 1, "images": 1, "voice-memos": 1,
		"summaries": 1, "chats": 2, "messages": 3}
	for name, items := range want {
		var got []any
		b, ok := files["data/"+name+".json"]
		if !ok {
			t.Fatalf("data/%s.json is missing", name)
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("data/%s.json: %v\n%s", name, err, b)
		}
		if len(items) != counts[name] {
			t.Fatalf("the API lists %d %s, want %d", len(items), name, counts[name])
		}
		if !reflect.DeepEqual(got, items) {
			t.Errorf("data/%s.json differs from the API list:\n got %v\nwant %v", name, got, items)
		}
	}
	// Every item's source messages, merged repeats included.
	var sources []map[string]any
	if err := json.Unmarshal(files["data/item-sources.json"], &sources); err != nil || !bytes.Contains(files["data/item-sources.json"], []byte(`"messageId":"ana-img"`)) ||
		bytes.Contains(files["data/item-sources.json"], []byte("bruno-")) {
		t.Fatalf("data/item-sources.json: %v %s", err, files["data/item-sources.json"])
	}
	var account map[string]any
	if err := json.Unmarshal(files["data/account.json"], &account); err != nil || account["id"] != ana.ID || account["email"] != ana.Email {
		t.Fatalf("data/account.json: %v %s", err, files["data/account.json"])
	}

	// The vault: one note for today with everything, and the image and
	// the voice memo under media/.
	note := string(files["vault/"+day+".md"])
	if note == "" {
		names := []string{}
		for n := range files {
			names = append(names, n)
		}
		t.Fatalf("no vault note for %s; archive has %v", day, names)
	}
	front := "---\ndate: " + day + "\ntasks: 3\nnotes: 1\nideas: 1\nbookmarks: 1\nplaces: 1\nevents: 1\nimages: 1\nvoice_memos: 1\nsummaries: 1\n"
	if !strings.HasPrefix(note, front) {
		t.Errorf("front matter:\n%s\nwant it to start with\n%s", note, front)
	}
	imageID := want["images"][0].(map[string]any)["id"].(string)
	imageExt := map[string]string{"image/png": ".png", "image/jpeg": ".jpg"}[want["images"][0].(map[string]any)["mimeType"].(string)]
	memoID := want["voice-memos"][0].(map[string]any)["id"].(string)
	for _, s := range []string{"- [ ] Book the \\[dentist\\] (due ", "    call before noon\n    ask for Dr. Reis", "- [x] Renew passport",
		"- [ ] Water plants", "**Wi-Fi at the cabin**", "password: pinecone", "**A bike rack for the hallway**",
		"[Tarte tatin](<https://example.org/recipes/tarte>)", "**Cervejaria Ramiro**, Av. Almirante Reis 1, Lisboa",
		"## Events\n\n- 12:30–13:30 **Lunch with Carla** @ Ramiro with Carla",
		"from Dora: the cover", "![](media/" + imageID + imageExt + ")", "![](media/" + memoID + ".ogg)",
		"### Book club\n\nDora shared the cover of the next book."} {
		if !strings.Contains(note, s) {
			t.Errorf("the day note lacks %q:\n%s", s, note)
		}
	}
	for _, m := range []string{"vault/media/" + imageID + imageExt, "vault/media/" + memoID + ".ogg"} {
		if len(files[m]) == 0 {
			t.Errorf("%s is missing or empty", m)
		}
	}
	for _, id := range []string{imageID, memoID} {
		kind := map[string]string{imageID: "images/" + id + "/original", memoID: "voice-memos/" + id + "/audio"}[id]
		orig := srv.Do("GET", "/api/v1/"+kind, ana.Token, nil)
		ext := map[string]string{imageID: imageExt, memoID: ".ogg"}[id]
		if orig.Status != http.StatusOK || !bytes.Equal(orig.Body, files["vault/media/"+id+ext]) {
			t.Errorf("vault/media/%s%s differs from the API's file (%d)", id, ext, orig.Status)
		}
	}

	// Nothing of bruno's: no text, no id.
	brunoIDs := []string{bruno.ID}
	for _, path := range []string{"/api/v1/tasks", "/api/v1/notes", "/api/v1/locations", "/api/v1/calendar-events"} {
		for _, it := range listAll(t, srv, bruno.Token, path) {
			brunoIDs = append(brunoIDs, it.(map[string]any)["id"].(string))
		}
	}
	for name, b := range files {
		for _, s := range append([]string{secret, "bruno@example.com"}, brunoIDs...) {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("ana's export has bruno's %q in %s", s, name)
			}
		}
	}

	// Bruno's own export has his, and nothing of ana's.
	rb := srv.Do("POST", "/api/v1/export", bruno.Token, nil)
	if rb.Status != http.StatusOK {
		t.Fatalf("bruno's export: %d %s", rb.Status, rb.Body)
	}
	bfiles := unzip(t, rb.Body)
	if !bytes.Contains(bfiles["data/messages.json"], []byte(secret+" message")) {
		t.Errorf("bruno's export lacks his message: %s", bfiles["data/messages.json"])
	}
	for name, b := range bfiles {
		for _, s := range []string{ana.ID, "dentist", "Ramiro", imageID, memoID, "ana@example.com"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("bruno's export has ana's %q in %s", s, name)
			}
		}
	}
}
