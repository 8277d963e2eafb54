package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/config"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

// startApp runs a whole Synapse (sim engine, River, HTTP) in process.
func (e Env) startApp(ctx context.Context, extra map[string]string) (*app.App, string, error) {
	env := map[string]string{"SYNAPSE_DATA_DIR": filepath.Join(e.Dir, "app"), "WHATSAPP_ENGINE": "sim", "SYNAPSE_LOG_LEVEL": "error"}
	for k, v := range extra {
		env[k] = v
	}
	a, err := e.newApp(ctx, env)
	if err != nil {
		return nil, "", err
	}
	ln := e.listener()
	a.Start(ln)
	return a, "http://" + ln.Addr().String(), nil
}

// newApp builds (without starting) a Synapse from env, on the Env's
// database.
func (e Env) newApp(ctx context.Context, env map[string]string) (*app.App, error) {
	if e.DatabaseURL != "" && env["DATABASE_URL"] == "" {
		u, err := e.scratchSchema(ctx)
		if err != nil {
			return nil, err
		}
		env["DATABASE_URL"] = u
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	log := e.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return app.New(ctx, cfg, log, "bench")
}

// listener listens on a free local port.
func (e Env) listener() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	return ln
}

func (e Env) pairApp(ctx context.Context, a *app.App, email, phone string) (string, string, error) {
	u, err := a.Store.CreateUser(ctx, store.User{Email: email, Name: "bench", PasswordHash: "x"})
	if err != nil {
		return "", "", err
	}
	q, err := a.Sessions.QR(ctx, u.ID, false)
	if err != nil {
		return "", "", err
	}
	sid, _ := a.Sessions.SessionID(ctx, u.ID)
	if _, err := a.Sim.Scan(sid, sim.ScanOptions{Code: q.Raw, Phone: phone}); err != nil {
		return "", "", err
	}
	for {
		st, _ := a.Sessions.Status(ctx, u.ID)
		if st.Status == "WORKING" {
			return u.ID, sid, nil
		}
		time.Sleep(time.Millisecond)
	}
}

// PipelineResult is the outcome of Pipeline.
type PipelineResult struct {
	Messages  int
	Jobs      int
	Elapsed   time.Duration
	PerSecond float64
}

// Pipeline delivers a realistic mix of messages to `sessions` simulated
// phones — text, links to a local page, notes to self, locations, images and
// voice notes — and measures the time until every message is stored and
// every job it caused (download, thumbnail, bookmark preview, analysis) has
// finished, with the built-in analysers and no transcriber.
func Pipeline(ctx context.Context, e Env, sessions, messages int) (PipelineResult, error) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><head><title>Page %s</title><meta property="og:description" content="A page"></head></html>`, r.URL.Path)
	}))
	defer page.Close()
	pu, _ := url.Parse(page.URL)
	a, _, err := e.startApp(ctx, map[string]string{"LINK_PREVIEW_ALLOWED_HOSTS": pu.Host})
	if err != nil {
		return PipelineResult{}, err
	}
	defer a.Shutdown(context.Background())
	sids := make([]string, sessions)
	for i := range sessions {
		if _, sids[i], err = e.pairApp(ctx, a, fmt.Sprintf("p%d@example.com", i), fmt.Sprintf("1555%07d", i)); err != nil {
			return PipelineResult{}, err
		}
	}
	img := benchPNG()
	lat, lng := -23.55, -46.63
	mk := func(i int) sim.Incoming {
		chat := fmt.Sprintf("4477%07d", i%30)
		switch i % 20 {
		case 0:
			return sim.Incoming{ID: fmt.Sprint("m", i), Chat: chat, Type: "image", Media: img, MimeType: "image/png", Caption: "photo"}
		case 1:
			return sim.Incoming{ID: fmt.Sprint("m", i), Chat: chat, Type: "voice"}
		case 2, 3:
			return sim.Incoming{ID: fmt.Sprint("m", i), Chat: chat, Type: "text", Text: fmt.Sprintf("look at %s/article-%d", page.URL, i)}
		case 4, 5:
			return sim.Incoming{ID: fmt.Sprint("m", i), Chat: "me", FromMe: true, Type: "text",
				Text: "Remind me to call the dentist tomorrow at 10am. Idea: a weekly family dinner rota."}
		case 6, 7:
			return sim.Incoming{ID: fmt.Sprint("m", i), Chat: chat, Type: "location", Latitude: &lat, Longitude: &lng, Name: "Paulista"}
		}
		return sim.Incoming{ID: fmt.Sprint("m", i), Chat: chat, Type: "text", Text: "Ordinary chat message number " + fmt.Sprint(i)}
	}
	per := messages / sessions
	start := time.Now()
	for i := range sessions {
		batch := make([]sim.Incoming, 0, per)
		for j := range per {
			batch = append(batch, mk(j))
		}
		for len(batch) > 0 {
			n := min(len(batch), 500)
			if _, err := a.Sim.Deliver(sids[i], batch[:n]); err != nil {
				return PipelineResult{}, err
			}
			batch = batch[n:]
		}
	}
	total := per * sessions
	for a.Ingest.Stored() < uint64(total) {
		time.Sleep(5 * time.Millisecond)
	}
	jobs := 0
	for {
		var pending int
		err := a.Store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available','running','retryable','scheduled','pending') AND kind NOT IN ('retention','daily_summaries')
			AND NOT (kind IN ('reminder', 'reminder_batch') AND state = 'scheduled')`).Scan(&pending)
		if err != nil && err != sql.ErrNoRows {
			return PipelineResult{}, err
		}
		if pending == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return PipelineResult{}, err
		}
		time.Sleep(20 * time.Millisecond)
	}
	el := time.Since(start)
	_ = a.Store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind NOT IN ('retention','daily_summaries')`).Scan(&jobs)
	return PipelineResult{Messages: total, Jobs: jobs, Elapsed: el, PerSecond: float64(total) / el.Seconds()}, nil
}

// ThumbnailResult is the outcome of Thumbnail.
type ThumbnailResult struct {
	Images        int
	P50, P99, Max time.Duration
}

// Thumbnail measures, for `images` image messages sent one after another,
// the time from the phone handing one over to its thumbnail being served
// over HTTP.
func Thumbnail(ctx context.Context, e Env, images int) (ThumbnailResult, error) {
	a, base, err := e.startApp(ctx, nil)
	if err != nil {
		return ThumbnailResult{}, err
	}
	defer a.Shutdown(context.Background())
	userID, sid, err := e.pairApp(ctx, a, "t@example.com", "15550000001")
	if err != nil {
		return ThumbnailResult{}, err
	}
	tok, _, err := a.Auth.IssueFor(ctx, userID)
	if err != nil {
		return ThumbnailResult{}, err
	}
	lat := make([]time.Duration, 0, images)
	for i := range images {
		// A different picture each time: the same one again would be a
		// repeat (one image with several sources), not a new image.
		img := benchPNGOf(i)
		start := time.Now()
		if _, err := a.Sim.Deliver(sid, []sim.Incoming{{ID: fmt.Sprint("img", i), Chat: "447700900001", Type: "image", Media: img, MimeType: "image/png"}}); err != nil {
			return ThumbnailResult{}, err
		}
		for {
			p, err := a.Store.ListImages(ctx, userID, store.ImageFilter{}, store.ListOptions{Limit: 1})
			if err != nil {
				return ThumbnailResult{}, err
			}
			if len(p.Items) > 0 && p.Items[0].MessageID == fmt.Sprint("img", i) {
				req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/images/"+p.Items[0].ID+"/thumbnail", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return ThumbnailResult{}, err
				}
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	p50, p99, mx := percentiles(lat)
	return ThumbnailResult{Images: images, P50: p50.Round(time.Millisecond), P99: p99.Round(time.Millisecond), Max: mx.Round(time.Millisecond)}, nil
}

// benchPNG is a 1024×768 photo-like PNG.
func benchPNG() []byte { return benchPNGOf(-1) }

// benchPNGOf is picture n of a series of different 1024×768 photo-like
// PNGs (their perceptual hashes differ: blocks of light and shade drawn
// from n over the gradient); n < 0 is the plain gradient.
func benchPNGOf(n int) []byte {
	const w, h = 1024, 768
	var shade [12][16]int
	if n >= 0 {
		r := rand.New(rand.NewPCG(uint64(n), 0x5eed))
		for by := range shade {
			for bx := range shade[by] {
				shade[by][bx] = r.IntN(161) - 80
			}
		}
	}
	clamp := func(v int) uint8 { return uint8(max(0, min(255, v))) }
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			d := shade[y*12/h][x*16/w]
			img.Set(x, y, color.RGBA{clamp(x*255/w + d), clamp(y*255/h + d), clamp((x^y)&0xff + d), 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
