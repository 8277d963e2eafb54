package jobs_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// waitJSON polls a GET until check accepts the decoded body.
func waitJSON[T any](t *testing.T, c *apptest.Client, path, token string, check func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var v T
		r := c.Do("GET", path, token, nil)
		if r.Status == http.StatusOK && json.Unmarshal(r.Body, &v) == nil && check(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s never satisfied the check; last: %d %.400s", path, r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor"`
}

func testPNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func expectStatus(t *testing.T, r *apptest.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %.300s", r.Status, status, r.Body)
	}
}

// previewSite serves a page with OpenGraph tags and its image.
func previewSite(t *testing.T) (*httptest.Server, string) {
	img := testPNG(40, 30)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/og.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(img)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="Receita de Pão de Queijo">
<meta property="og:description" content="A melhor receita mineira">
<meta property="og:site_name" content="Cozinha">
<meta property="og:image" content="/og.png"></head><body>hi</body></html>`)
		}
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return srv, u.Host
}

// fakeWhisper is an OpenAI-compatible transcription server. Until
// failFirst requests have failed (with status fail), it answers errors.
type fakeWhisper struct {
	mu        sync.Mutex
	audio     [][]byte
	mimes     []string
	text      string
	fail      int
	failFirst int
	calls     atomic.Int32
}

func (f *fakeWhisper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.calls.Add(1))
	if r.URL.Path != "/v1/audio/transcriptions" || r.Header.Get("Authorization") != "Bearer test-key" {
		http.Error(w, `{"error":{"message":"bad request path or key","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	if n <= f.failFirst {
		if f.fail == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.fail)
		fmt.Fprintf(w, `{"error":{"message":"simulated failure %d","type":"server_error","code":null}}`, f.fail)
		return
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		http.Error(w, "not multipart", http.StatusBadRequest)
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var audio []byte
	var model, ctype string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		switch p.FormName() {
		case "file":
			audio, ctype = b, p.Header.Get("Content-Type")
		case "model":
			model = string(b)
		}
	}
	if model != "whisper-1" || len(audio) == 0 {
		http.Error(w, `{"error":{"message":"model and file are required"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.audio = append(f.audio, audio)
	f.mimes = append(f.mimes, ctype)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"task": "transcribe", "language": "english", "duration": 5.9, "text": f.text})
}

func TestPipeline(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testPipeline(t, d) })
	}
}

func testPipeline(t *testing.T, d store.Dialect) {
	_, previewHost := previewSite(t)
	whisper := &fakeWhisper{text: "Remind me to buy milk tomorrow at 5 pm. Idea: a bookshelf made of old crates."}
	ai := httptest.NewServer(whisper)
	defer ai.Close()
	srv := apptest.Start(t, apptest.Options{Dialect: d, Env: map[string]string{
		"LINK_PREVIEW_ALLOWED_HOSTS": previewHost,
		"TRANSCRIBE_BASE_URL":        ai.URL + "/v1",
		"TRANSCRIBE_API_KEY":         "test-key",
	}})
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	srv.Connect(a, "5511900000001")
	srv.Connect(b, "5511900000002")
	ws := srv.OpenWS(a)
	bws := srv.OpenWS(b)

	// An image: stored by content hash, with a thumbnail, owner only.
	pic := testPNG(800, 600)
	chat := srv.Deliver(a, map[string]any{"id": "img-1", "chat": "351910000001", "chatName": "Carla", "type": "image", "caption": "Praia do Guincho", "media": pic, "mimeType": "image/png"})
	images := waitJSON(t, srv.Client, "/api/v1/images", a.Token, func(l list[store.Image]) bool { return len(l.Items) == 1 })
	im := images.Items[0]
	if im.Width != 800 || im.Height != 600 || im.Caption != "Praia do Guincho" || im.ChatID != chat || im.SenderName != "Carla" {
		t.Fatalf("image %+v", im)
	}
	r := srv.Do("GET", "/api/v1/images/"+im.ID+"/original", a.Token, nil)
	expectStatus(t, r, 200)
	if !bytes.Equal(r.Body, pic) || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("ETag") == "" || !strings.Contains(r.Header.Get("Cache-Control"), "max-age") {
		t.Fatalf("original: %d bytes, headers %v", len(r.Body), r.Header)
	}
	r = srv.Do("GET", "/api/v1/images/"+im.ID+"/thumbnail", a.Token, nil)
	expectStatus(t, r, 200)
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(r.Body)); err != nil || format != "jpeg" || cfg.Width != 480 || cfg.Height != 360 {
		t.Fatalf("thumbnail %s %dx%d %v", format, cfg.Width, cfg.Height, err)
	}
	// Conditional request: not modified.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/images/"+im.ID+"/original", nil)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("If-None-Match", `"`+im.SHA256+`"`)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %v %v", resp.StatusCode, err)
	}
	for _, p := range []string{"/api/v1/images/" + im.ID, "/api/v1/images/" + im.ID + "/original", "/api/v1/images/" + im.ID + "/thumbnail"} {
		expectStatus(t, srv.Do("GET", p, b.Token, nil), 404)
	}
	if l := waitJSON(t, srv.Client, "/api/v1/images?chatId="+url.QueryEscape(chat), a.Token, func(l list[store.Image]) bool { return true }); len(l.Items) != 1 {
		t.Fatal("chat filter")
	}
	if l := waitJSON(t, srv.Client, "/api/v1/images?from=2001-01-01&to=2001-01-02", a.Token, func(l list[store.Image]) bool { return true }); len(l.Items) != 0 {
		t.Fatal("date filter")
	}
	if l := waitJSON(t, srv.Client, "/api/v1/images", b.Token, func(l list[store.Image]) bool { return true }); len(l.Items) != 0 {
		t.Fatal("bruno sees ana's images")
	}

	// A link: one bookmark per normalised URL, with its preview and shares.
	link := "http://" + previewHost + "/receita?utm_source=whatsapp"
	srv.Deliver(a, map[string]any{"id": "link-1", "chat": "351910000001", "type": "text", "text": "Olha isto " + link + " !"})
	srv.Deliver(a, map[string]any{"id": "link-2", "chat": "120363555", "group": true, "chatName": "Cozinheiros", "from": "351910000009", "fromName": "Dora", "type": "text", "text": "http://" + previewHost + "/receita"})
	bms := waitJSON(t, srv.Client, "/api/v1/bookmarks", a.Token, func(l list[store.Bookmark]) bool {
		return len(l.Items) == 1 && l.Items[0].Status == "fetched" && len(l.Items[0].Shares) == 2
	})
	bm := bms.Items[0]
	if bm.Title != "Receita de Pão de Queijo" || bm.Description != "A melhor receita mineira" || bm.SiteName != "Cozinha" || !bm.HasPreview {
		t.Fatalf("bookmark %+v", bm)
	}
	r = srv.Do("GET", "/api/v1/bookmarks/"+bm.ID+"/image", a.Token, nil)
	if r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("\x89PNG")) {
		t.Fatalf("preview image %d", r.Status)
	}
	expectStatus(t, srv.Do("GET", "/api/v1/bookmarks/"+bm.ID+"/image", b.Token, nil), 404)
	expectStatus(t, srv.Do("PATCH", "/api/v1/bookmarks/"+bm.ID, b.Token, map[string]string{"title": "x"}), 404)
	expectStatus(t, srv.Do("DELETE", "/api/v1/bookmarks/"+bm.ID, b.Token, nil), 404)
	r = srv.Do("PATCH", "/api/v1/bookmarks/"+bm.ID, a.Token, map[string]string{"title": "Pão de queijo da avó"})
	if r.Status != 200 || !strings.Contains(string(r.Body), "da avó") {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	expectStatus(t, srv.Do("POST", "/api/v1/bookmarks", a.Token, map[string]string{"url": "ftp://x"}), 400)
	expectStatus(t, srv.Do("POST", "/api/v1/bookmarks", a.Token, map[string]string{"url": link}), 409)
	r = srv.Do("POST", "/api/v1/bookmarks", a.Token, map[string]string{"url": "http://" + previewHost + "/outra", "title": "Minha"})
	expectStatus(t, r, 201)
	var manual store.Bookmark
	r.JSON(t, &manual)
	waitJSON(t, srv.Client, "/api/v1/bookmarks/"+manual.ID, a.Token, func(b store.Bookmark) bool { return b.Status == "fetched" && b.Title == "Minha" })
	expectStatus(t, srv.Do("DELETE", "/api/v1/bookmarks/"+manual.ID, a.Token, nil), 204)
	expectStatus(t, srv.Do("GET", "/api/v1/bookmarks/"+manual.ID, a.Token, nil), 404)

	// A voice note: real OGG/Opus bytes go to the transcriber; the transcript
	// is analysed into a task and an idea.
	srv.Deliver(a, map[string]any{"id": "voice-1", "chat": "351910000001", "type": "voice"})
	memos := waitJSON(t, srv.Client, "/api/v1/voice-memos", a.Token, func(l list[store.VoiceMemo]) bool {
		return len(l.Items) == 1 && l.Items[0].Status == "transcribed"
	})
	memo := memos.Items[0]
	if memo.Transcript != whisper.text || memo.Language != "en" {
		t.Fatalf("memo %+v", memo)
	}
	r = srv.Do("GET", "/api/v1/voice-memos/"+memo.ID+"/audio", a.Token, nil)
	whisper.mu.Lock()
	sentAudio, sentMime := whisper.audio[0], whisper.mimes[0]
	whisper.mu.Unlock()
	if r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("OggS")) || !bytes.Equal(r.Body, sentAudio) || !strings.HasPrefix(sentMime, "audio/ogg") {
		t.Fatalf("audio %d (%d bytes), transcriber got %d bytes as %q", r.Status, len(r.Body), len(sentAudio), sentMime)
	}
	req, _ = http.NewRequest("GET", srv.URL+"/api/v1/voice-memos/"+memo.ID+"/audio", nil)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Range", "bytes=0-3")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("range request: %v %v", resp.StatusCode, err)
	}
	expectStatus(t, srv.Do("GET", "/api/v1/voice-memos/"+memo.ID+"/audio", b.Token, nil), 404)
	tasks := waitJSON(t, srv.Client, "/api/v1/tasks", a.Token, func(l list[store.Task]) bool { return len(l.Items) >= 1 })
	task := tasks.Items[0]
	if !strings.Contains(strings.ToLower(task.Title), "buy milk") || task.Due == nil || !task.DueHasTime || task.Source.VoiceMemoID != memo.ID {
		t.Fatalf("task %+v", task)
	}
	// It keeps the words it came from (the transcript), past the message.
	if sn := task.Source.Snapshot; !strings.Contains(strings.ToLower(sn.Text), "buy milk") || sn.Time.IsZero() {
		t.Fatalf("task's snapshot %+v", sn)
	}
	ideas := waitJSON(t, srv.Client, "/api/v1/ideas", a.Token, func(l list[store.Idea]) bool { return len(l.Items) == 1 })
	if !strings.Contains(strings.ToLower(ideas.Items[0].Title), "bookshelf") {
		t.Fatalf("idea %+v", ideas.Items[0])
	}

	// Notes to self and shared locations.
	srv.Deliver(a, map[string]any{"id": "self-1", "chat": "me", "type": "text", "text": "The garage code is 4512"})
	srv.Deliver(a, map[string]any{"id": "loc-1", "chat": "351910000001", "type": "location", "latitude": 38.7223, "longitude": -9.1393, "name": "Lisboa", "address": "Praça do Comércio"})
	notes := waitJSON(t, srv.Client, "/api/v1/notes", a.Token, func(l list[store.Note]) bool { return len(l.Items) == 1 })
	if !strings.Contains(notes.Items[0].Title+notes.Items[0].Body, "garage code") || notes.Items[0].Source.MessageID != "self-1" {
		t.Fatalf("note %+v", notes.Items[0])
	}
	if sn := notes.Items[0].Source.Snapshot; sn.Text != "The garage code is 4512" || sn.Time.IsZero() {
		t.Fatalf("note's snapshot %+v", sn)
	}
	locs := waitJSON(t, srv.Client, "/api/v1/locations", a.Token, func(l list[store.Location]) bool { return len(l.Items) == 1 })
	if l := locs.Items[0]; l.Name != "Lisboa" || l.Latitude == nil || *l.Latitude != 38.7223 || l.Address != "Praça do Comércio" {
		t.Fatalf("location %+v", l)
	}

	// CRUD by hand, and another user's ids are not found.
	r = srv.Do("POST", "/api/v1/tasks", a.Token, map[string]any{"title": "File taxes", "due": "2026-12-31"})
	expectStatus(t, r, 201)
	var manualTask store.Task
	r.JSON(t, &manualTask)
	if manualTask.Due == nil || manualTask.DueHasTime {
		t.Fatalf("date-only due: %+v", manualTask)
	}
	expectStatus(t, srv.Do("PATCH", "/api/v1/tasks/"+manualTask.ID, b.Token, map[string]any{"done": true}), 404)
	r = srv.Do("PATCH", "/api/v1/tasks/"+manualTask.ID, a.Token, map[string]any{"done": true})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"done":true`) {
		t.Fatalf("check off: %d %s", r.Status, r.Body)
	}
	expectStatus(t, srv.Do("POST", "/api/v1/tasks", a.Token, map[string]any{"title": " ", "due": "soon"}), 400)
	for _, kind := range []string{"notes", "ideas"} {
		r = srv.Do("POST", "/api/v1/"+kind, a.Token, map[string]any{"title": "Hand-made " + kind})
		expectStatus(t, r, 201)
		var n store.Note
		r.JSON(t, &n)
		expectStatus(t, srv.Do("GET", "/api/v1/"+kind+"/"+n.ID, b.Token, nil), 404)
		expectStatus(t, srv.Do("PATCH", "/api/v1/"+kind+"/"+n.ID, a.Token, map[string]any{"body": "more"}), 200)
		expectStatus(t, srv.Do("DELETE", "/api/v1/"+kind+"/"+n.ID, b.Token, nil), 404)
		expectStatus(t, srv.Do("DELETE", "/api/v1/"+kind+"/"+n.ID, a.Token, nil), 204)
	}
	expectStatus(t, srv.Do("POST", "/api/v1/locations", a.Token, map[string]any{"name": "Nowhere", "latitude": 91, "longitude": 0}), 400)
	r = srv.Do("POST", "/api/v1/locations", a.Token, map[string]any{"name": "Padaria", "latitude": -23.5, "longitude": -46.6})
	expectStatus(t, r, 201)
	var place store.Location
	r.JSON(t, &place)
	expectStatus(t, srv.Do("DELETE", "/api/v1/locations/"+place.ID, b.Token, nil), 404)
	expectStatus(t, srv.Do("PATCH", "/api/v1/locations/"+place.ID, a.Token, map[string]any{"address": "Rua Augusta"}), 200)

	// Search across kinds, accents aside; owner only.
	for q, kind := range map[string]domain.Kind{"guincho": "image", "pao queijo": "bookmark", "bookshelf": "idea", "garage": "message", "milk": "task", "comercio": "message", "crates": "voice_memo"} {
		var res list[store.SearchHit]
		srv.Do("GET", "/api/v1/search?q="+url.QueryEscape(q), a.Token, nil).JSON(t, &res)
		found := false
		for _, h := range res.Items {
			found = found || h.Kind == kind
		}
		if !found {
			t.Errorf("search %q: no %s in %+v", q, kind, res.Items)
		}
		srv.Do("GET", "/api/v1/search?q="+url.QueryEscape(q), b.Token, nil).JSON(t, &res)
		if len(res.Items) != 0 {
			t.Errorf("bruno's search %q found ana's %+v", q, res.Items)
		}
	}
	expectStatus(t, srv.Do("GET", "/api/v1/search", a.Token, nil), 400)
	expectStatus(t, srv.Do("GET", "/api/v1/search?q=x&kinds=spaceship", a.Token, nil), 400)

	// Every knowledge event reached ana, none reached bruno.
	for _, typ := range []string{"image", "bookmark", "voice_memo", "task", "idea", "note", "location"} {
		if _, ok := ws.WaitFor(30*time.Second, func(e apptest.Event) bool { return e.Type == typ }); !ok {
			t.Errorf("no %s event", typ)
		}
	}
	for _, e := range bws.Events() {
		if e.Type != "session.status" && e.Type != "session.qr" {
			t.Errorf("bruno got %s %s", e.Type, e.Data)
		}
	}
	var usage store.Usage
	srv.Do("GET", "/api/v1/storage", a.Token, nil).JSON(t, &usage)
	if usage.Images != 1 || usage.VoiceMemos != 1 || usage.ImageBytes != int64(len(pic)) || usage.Bookmarks != 1 {
		t.Fatalf("usage %+v", usage)
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
