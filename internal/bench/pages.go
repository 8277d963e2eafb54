package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/web"
)

// PagesResult is the outcome of Pages.
type PagesResult struct {
	Messages, Items int
	Pages           []PageTiming
	// Dashboard is the weight of the dashboard before images: its HTML and
	// the style sheet, script and icon it loads, as sent uncompressed and
	// as sent to a browser that accepts gzip (assets only; HTML is sent as
	// is).
	DashboardBytes, DashboardGzipBytes int
	DashboardHTML                      int
}

// PageTiming is the server time of one page.
type PageTiming struct {
	Path          string
	P50, P99, Max time.Duration
	Bytes         int
}

// Pages stores, for one user, messages messages (in 50 chats, one in
// twenty a photo) and items knowledge items (tasks, notes, ideas, places,
// bookmarks, images, voice memos and summaries), then measures the server
// time of each page of the web UI, requests times each: the handler is
// called in process, so the figure is the time to answer, without the
// network. It also weighs the dashboard.
func Pages(ctx context.Context, e Env, messages, items, requests int) (PagesResult, error) {
	st, err := e.newStack(ctx)
	if err != nil {
		return PagesResult{}, err
	}
	defer st.close()
	users, err := st.pairUsers(ctx, 1)
	if err != nil {
		return PagesResult{}, err
	}
	userID := users[0]
	if err := st.store.SetAdmin(ctx, userID, true); err != nil {
		return PagesResult{}, err
	}
	blobs, err := media.NewFS(filepath.Join(e.Dir, "media"))
	if err != nil {
		return PagesResult{}, err
	}
	photo, err := blobs.Put(ctx, userID, benchPhoto())
	if err != nil {
		return PagesResult{}, err
	}
	const chats = 50
	chatID := func(i int) string {
		if i%chats < 10 {
			return fmt.Sprintf("1203630%011d@g.us", i%chats)
		}
		return fmt.Sprintf("4477%07d@s.whatsapp.net", i%chats)
	}
	if err := seedMessages(ctx, st.store, userID, messages, chats, chatID, photo); err != nil {
		return PagesResult{}, err
	}
	if err := seedItems(ctx, st.store, userID, items, chatID, photo); err != nil {
		return PagesResult{}, err
	}

	svc := service.New(service.Options{Store: st.store, Sessions: st.m, Blobs: blobs, Log: slog.New(slog.DiscardHandler)})
	h, err := web.New(web.Options{Service: svc, Sessions: st.store, Hub: st.hub, Log: slog.New(slog.DiscardHandler), Version: "bench"})
	if err != nil {
		return PagesResult{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	sum := sha256.Sum256([]byte(token))
	if _, err := st.store.CreateWebSession(ctx, userID, sum[:], randomBytes(32), time.Now().Add(time.Hour)); err != nil {
		return PagesResult{}, err
	}
	cookie := &http.Cookie{Name: "synapse_session", Value: token}
	get := func(path string, gzip bool) (*httptest.ResponseRecorder, time.Duration) {
		req := httptest.NewRequestWithContext(ctx, "GET", path, nil)
		req.AddCookie(cookie)
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		return rec, time.Since(start)
	}

	// A chat's fourth page, as someone scrolling back would ask for it.
	busy := chatID(0)
	cursor := ""
	for range 3 {
		p, err := st.store.ListMessages(ctx, userID, busy, store.ListOptions{Limit: 50, Cursor: cursor})
		if err != nil {
			return PagesResult{}, err
		}
		cursor = p.NextCursor
	}
	res := PagesResult{Messages: messages, Items: items}
	for _, path := range []string{
		"/", "/connect", "/chats", "/chats/" + url.PathEscape(busy), "/chats/" + url.PathEscape(busy) + "?cursor=" + url.QueryEscape(cursor),
		"/gallery", "/gallery?chat=" + url.QueryEscape(chatID(12)), "/bookmarks", "/tasks", "/tasks?view=done", "/notes", "/ideas",
		"/locations", "/voice-memos", "/summaries", "/search?q=lisbon", "/search?q=message", "/settings", "/admin",
	} {
		for range 5 { // warm up
			get(path, false)
		}
		lat := make([]time.Duration, 0, requests)
		size := 0
		for range requests {
			rec, d := get(path, false)
			if rec.Code != http.StatusOK {
				return PagesResult{}, fmt.Errorf("bench: GET %s: status %d", path, rec.Code)
			}
			lat = append(lat, d)
			size = rec.Body.Len()
		}
		p50, p99, mx := percentiles(lat)
		res.Pages = append(res.Pages, PageTiming{Path: path, P50: p50.Round(time.Microsecond), P99: p99.Round(time.Microsecond),
			Max: mx.Round(time.Microsecond), Bytes: size})
		if err := ctx.Err(); err != nil {
			return PagesResult{}, err
		}
	}

	dash, _ := get("/", false)
	res.DashboardHTML = dash.Body.Len()
	res.DashboardBytes, res.DashboardGzipBytes = res.DashboardHTML, res.DashboardHTML
	for _, m := range regexp.MustCompile(`(?:href|src)="(/assets/[^"]+)"`).FindAllStringSubmatch(dash.Body.String(), -1) {
		plain, _ := get(m[1], false)
		zipped, _ := get(m[1], true)
		if plain.Code != http.StatusOK {
			return PagesResult{}, fmt.Errorf("bench: GET %s: status %d", m[1], plain.Code)
		}
		res.DashboardBytes += plain.Body.Len()
		res.DashboardGzipBytes += zipped.Body.Len()
	}
	return res, nil
}

// seedMessages stores n messages of one user in chats chats, over the last
// three days (a third of them today), one in twenty a photo.
func seedMessages(ctx context.Context, s *store.Store, userID string, n, chats int, chatID func(int) string, photo string) error {
	t0 := time.Now().Add(-72 * time.Hour)
	step := 72 * time.Hour / time.Duration(max(n, 1))
	batch := make([]*store.IncomingMessage, 0, 2000)
	for i := range n {
		m := &store.IncomingMessage{UserID: userID, ChatName: fmt.Sprintf("Chat %d", i%chats), IsGroup: i%chats < 10,
			Message: store.Message{ChatID: chatID(i), ID: fmt.Sprintf("m%07d", i), From: "447700900000@s.whatsapp.net", FromName: "Someone",
				Type: "text", Text: "A stored message of realistic length, with a few words in it.", Timestamp: t0.Add(time.Duration(i) * step)}}
		if i%20 == 0 {
			m.Type, m.Text = "image", "A photo from Lisbon"
			m.Media = &store.Media{Ref: photo, MimeType: "image/png", SHA256: photo, Width: 320, Height: 240}
		}
		batch = append(batch, m)
		if len(batch) == cap(batch) || i == n-1 {
			if err := s.IngestMessages(ctx, batch, nil); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return ctx.Err()
}

// seedItems stores n knowledge items of one user: 30% tasks (a third of
// them dated, a quarter done), 20% notes, 15% ideas, 10% places, 10%
// bookmarks shared in chats, 10% images, 3% voice memos, 2% summaries.
func seedItems(ctx context.Context, s *store.Store, userID string, n int, chatID func(int) string, photo string) error {
	share := func(pct int) int { return n * pct / 100 }
	now := time.Now()
	addExtracted := func(kind domain.Kind, count int, fill func(i int, x *store.Extracted)) error {
		for first := 0; first < count; first += 500 {
			var xs []store.Extracted
			for i := first; i < min(first+500, count); i++ {
				x := store.Extracted{Kind: kind, Title: fmt.Sprintf("%s %d about the Lisbon trip", kind, i), Body: "Some details written in the message."}
				if fill != nil {
					fill(i, &x)
				}
				xs = append(xs, x)
			}
			src := store.Source{Kind: store.SourceMessage, ChatID: chatID(first), MessageID: fmt.Sprintf("%s-%d", kind, first)}
			if _, err := s.AddExtracted(ctx, userID, src, xs); err != nil {
				return err
			}
		}
		return nil
	}
	if err := addExtracted(domain.KindTask, share(30), func(i int, x *store.Extracted) {
		if i%3 == 0 {
			due := now.Add(time.Duration(i%40-20) * 24 * time.Hour)
			x.Due = &due
		}
	}); err != nil {
		return err
	}
	done, i, cursor := true, 0, ""
	for {
		tasks, err := s.ListTasks(ctx, userID, store.TaskFilter{}, store.ListOptions{Limit: store.MaxPageSize, Cursor: cursor})
		if err != nil {
			return err
		}
		for _, t := range tasks.Items {
			if i%4 == 0 {
				if _, err := s.UpdateTask(ctx, userID, t.ID, store.TaskPatch{Done: &done}); err != nil {
					return err
				}
			}
			i++
		}
		if cursor = tasks.NextCursor; cursor == "" {
			break
		}
	}
	if err := addExtracted(domain.KindNote, share(20), nil); err != nil {
		return err
	}
	if err := addExtracted(domain.KindIdea, share(15), nil); err != nil {
		return err
	}
	if err := addExtracted(domain.KindLocation, share(10), func(i int, x *store.Extracted) {
		lat, lon := 38.7+float64(i%100)/1000, -9.1-float64(i%100)/1000
		x.Address, x.Latitude, x.Longitude = "Rua Garrett 19, Lisboa", &lat, &lon
	}); err != nil {
		return err
	}
	for i := range share(10) {
		u := fmt.Sprintf("https://example.org/article/%d", i)
		b, _, err := s.ShareBookmark(ctx, userID, u, u, store.BookmarkShare{ChatID: chatID(i), MessageID: fmt.Sprintf("b%d", i),
			Sender: "447700900000@s.whatsapp.net", SenderName: "Someone", SharedAt: now})
		if err != nil {
			return err
		}
		if i%3 == 0 {
			if err := s.SetBookmarkFailed(ctx, userID, b.ID, "lookup example.org: no such host"); err != nil {
				return err
			}
		}
	}
	for i := range share(10) {
		im := &store.Image{ChatID: chatID(i), MessageID: fmt.Sprintf("img%d", i), Sender: "447700900000@s.whatsapp.net", SenderName: "Someone",
			Caption: "A photo from Lisbon", SHA256: photo, MimeType: "image/png", Size: 1000, Width: 320, Height: 240, SentAt: now.Add(-time.Duration(i) * time.Minute)}
		if _, err := s.AddImage(ctx, userID, im); err != nil {
			return err
		}
	}
	for i := range share(3) {
		v := &store.VoiceMemo{ChatID: chatID(i), MessageID: fmt.Sprintf("voice%d", i), Sender: "447700900000@s.whatsapp.net", SenderName: "Someone",
			SHA256: photo, MimeType: "audio/ogg", Size: 1000, Seconds: 6, SentAt: now.Add(-time.Duration(i) * time.Minute)}
		if _, err := s.AddVoiceMemo(ctx, userID, v); err != nil {
			return err
		}
	}
	for i := range share(2) {
		day := now.AddDate(0, 0, -1-i/10).Format("2006-01-02")
		if _, err := s.PutSummary(ctx, userID, store.Summary{ChatID: chatID(i % 10), ChatName: fmt.Sprintf("Chat %d", i%10), Day: day,
			Language: "en", Text: "12 messages from 3 participants.\nDecisions and dates:\n• Leave on Saturday at 8", Generator: "builtin"}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// benchPhoto is a small real PNG.
func benchPhoto() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
