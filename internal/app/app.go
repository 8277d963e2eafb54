// Package app assembles a Synapse process from its configuration: store,
// engine, sessions, ingest, realtime hub and HTTP API, started and stopped
// in the right order.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/synapse-kb/synapse/internal/ai"
	"github.com/synapse-kb/synapse/internal/api"
	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/cluster"
	"github.com/synapse-kb/synapse/internal/config"
	"github.com/synapse-kb/synapse/internal/httplimit"
	"github.com/synapse-kb/synapse/internal/ingest"
	"github.com/synapse-kb/synapse/internal/jobs"
	"github.com/synapse-kb/synapse/internal/linkpreview"
	"github.com/synapse-kb/synapse/internal/mcpserver"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/reminders"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/web"
	"github.com/synapse-kb/synapse/internal/webhooks"
	"github.com/synapse-kb/synapse/internal/webpush"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/meow"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
	"github.com/synapse-kb/synapse/internal/whatsapp/waha"
)

// App is one running Synapse.
type App struct {
	Config *config.Config
	Log    *slog.Logger
	Store  *store.Store
	Hub    *realtime.Hub
	Ingest *ingest.Ingester
	// Sessions answers for every person's session: Local on a single
	// process, the cluster's router on several nodes.
	Sessions whatsapp.Sessions
	// Local holds the sessions this process runs.
	Local *sessions.Manager
	Sim   *sim.Engine // set with the sim engine
	Jobs  *jobs.Runner
	Blobs media.Blobs
	// Webhooks is the publisher every component publishes through: it
	// offers the events to the person's webhook endpoints.
	Webhooks *webhooks.Fanout
	// Service holds every use case; API, Web and MCP are its adapters.
	Service  *service.Service
	API      *api.Server
	Web      *web.Handler
	MCP      *mcpserver.Handler
	Auth     *auth.Service
	Registry *prometheus.Registry
	// Cluster is set on PostgreSQL with a real engine: this process is one
	// node of possibly several sharing the database.
	Cluster *cluster.Node

	router  *cluster.Router // with Cluster: serves the other nodes' forwarded operations
	waha    *waha.Engine    // set with the waha engine: serves its webhooks
	selfURL string          // how other nodes (and WAHA) reach this process
	secret  []byte
	push    *webpush.Sender
	// embedder and answerer serve Ask (EMBEDDINGS_*, LLM_*); nil without.
	embedder *ai.OpenAIEmbedder
	answerer *ai.OpenAIAnswerer

	now func() time.Time // the clock of the use cases and jobs (tests replace it)

	closers  []func()
	shutting atomic.Bool
	srv      *http.Server
	cancel   context.CancelFunc
	done     chan struct{}
}

// OpenStore opens and migrates the configured database.
func OpenStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	var s *store.Store
	var err error
	if cfg.IsPostgres() {
		s, err = store.OpenPostgres(cfg.DatabaseURL, store.Options{})
	} else {
		s, err = store.OpenSQLite(cfg.SQLitePath(), store.Options{})
	}
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// JWTSecret returns the configured secret, or the one kept in the data
// directory, generating it on first start.
func JWTSecret(cfg *config.Config) ([]byte, error) {
	if len(cfg.JWTSecret) > 0 {
		return cfg.JWTSecret, nil
	}
	path := filepath.Join(cfg.DataDir, "jwt-secret")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		// Whoever reads it can sign in as anyone: the owner alone.
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return nil, fmt.Errorf("restrict permissions of %s: %w", path, err)
			}
		}
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(raw)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("keep generated JWT secret: %w", err)
	}
	return []byte(secret), nil
}

// VAPIDKeys returns the configured Web Push key pair, or the one kept in
// the data directory (file vapid-keys, owner-only), generating it on first
// start, as JWTSecret does for the JWT secret. Browsers subscribe with the
// public key: changing it silently ends every subscription.
func VAPIDKeys(cfg *config.Config) (webpush.Keys, error) {
	if cfg.WebPushVAPIDPublicKey != "" {
		k, err := webpush.ParseKeys(cfg.WebPushVAPIDPublicKey, cfg.WebPushVAPIDPrivateKey)
		if err != nil {
			return webpush.Keys{}, &config.Error{Var: "WEBPUSH_VAPID_PRIVATE_KEY", Msg: err.Error()}
		}
		return k, nil
	}
	path := filepath.Join(cfg.DataDir, "vapid-keys")
	b, err := os.ReadFile(path)
	if err == nil {
		var k webpush.Keys
		if err := json.Unmarshal(b, &k); err != nil {
			return webpush.Keys{}, fmt.Errorf("read %s: %w", path, err)
		}
		if k, err = webpush.ParseKeys(k.PublicKey, k.PrivateKey); err != nil {
			return webpush.Keys{}, fmt.Errorf("read %s: %w", path, err)
		}
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return webpush.Keys{}, fmt.Errorf("restrict permissions of %s: %w", path, err)
			}
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return webpush.Keys{}, fmt.Errorf("read %s: %w", path, err)
	}
	k, err := webpush.GenerateKeys()
	if err != nil {
		return webpush.Keys{}, err
	}
	b, err = json.MarshalIndent(k, "", "  ")
	if err != nil {
		return webpush.Keys{}, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return webpush.Keys{}, err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return webpush.Keys{}, fmt.Errorf("keep generated VAPID keys: %w", err)
	}
	return k, nil
}

// Option tunes New.
type Option func(*App)

// WithClock replaces the clock that reminders, analysis and the use cases
// go by (tests); River still schedules on the wall clock, each reminder
// as far ahead of it as it is ahead of this clock.
func WithClock(now func() time.Time) Option { return func(a *App) { a.now = now } }

// New builds an App; nothing runs until Start.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, version string, opts ...Option) (*App, error) {
	a := &App{Config: cfg, Log: log, done: make(chan struct{}), now: time.Now}
	for _, o := range opts {
		o(a)
	}
	ok := false
	defer func() {
		if !ok {
			a.closeAll()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a.Store = st
	a.closers = append(a.closers, func() { st.Close() })
	// SQLite serves one process; so does the sim engine, whose phones live
	// in the process. PostgreSQL with a real engine runs as a cluster.
	clustered := st.Dialect() == store.Postgres && cfg.Engine != config.EngineSim
	if !clustered {
		lock, err := acquireInstanceLock(ctx, cfg.DataDir, st)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, lock.release)
	}

	secret, err := JWTSecret(cfg)
	if err != nil {
		return nil, err
	}
	a.secret = secret
	tokens, err := auth.NewTokens(secret, cfg.AccessTokenTTL, nil)
	if err != nil {
		return nil, err
	}
	a.Auth = auth.NewService(auth.Options{Store: st, Tokens: tokens, RefreshTTL: cfg.RefreshTokenTTL,
		RegistrationOff: cfg.Registration == "closed", Log: log.With("component", "auth"),
		HashGate:    auth.NewHashGate(auth.HashGateOptions{Concurrency: cfg.PasswordHashConcurrency, MaxWait: cfg.PasswordHashWait}),
		Revocations: auth.RevocationFunc(a.revoked)})

	a.Registry = prometheus.NewRegistry()
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.Hub = realtime.NewHub(256, log.With("component", "realtime"))
	a.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "synapse_realtime_clients", Help: "Connected realtime clients."},
		func() float64 { return float64(a.Hub.Stats().Clients) }))
	a.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "synapse_realtime_dropped_clients_total", Help: "Realtime clients dropped for falling behind."},
		func() float64 { return float64(a.Hub.Stats().Dropped) }))
	var pub realtime.Publisher = a.Hub
	var leases sessions.Leases // nil: this process runs every session
	if clustered {
		a.Cluster, err = cluster.New(cluster.Options{Store: st, Hub: a.Hub, DatabaseURL: cfg.DatabaseURL, Secret: secret,
			LeaseTTL: cfg.LeaseTTL, Log: log.With("component", "cluster"), OnControl: a.onControl})
		if err != nil {
			return nil, err
		}
		pub, leases = a.Cluster, a.Cluster
		if cfg.WebPushVAPIDPublicKey == "" {
			log.Warn("WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY are not set, so this node pushes with the key pair generated in its data directory: every node sharing this database needs the same pair, or browsers subscribed through one node reject pushes from the others")
		}
		if len(cfg.JWTSecret) == 0 {
			log.Warn("JWT_SECRET is not set, so this node signs with the secret generated in its data directory: fine for one node, but every node sharing this database needs the same JWT_SECRET")
		}
		a.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "synapse_cluster_peers", Help: "Other live nodes sharing the database."},
			func() float64 { return float64(a.Cluster.Stats().Peers) }))
		a.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "synapse_cluster_dropped_events_total", Help: "Realtime events for other nodes dropped because the queue was full."},
			func() float64 { return float64(a.Cluster.Stats().DroppedEvents) }))
	}
	// Events are offered to webhooks where they are made, before they
	// cross to other nodes, so that each is delivered once.
	a.Webhooks = webhooks.NewFanout(pub, log.With("component", "webhooks"), 0)
	pub = a.Webhooks
	a.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "synapse_webhook_events_dropped_total", Help: "Events not offered to webhooks because the buffer was full."},
		func() float64 { return float64(a.Webhooks.Dropped()) }))
	a.Ingest = ingest.New(ingest.Options{Store: st, Publisher: pub, Log: log.With("component", "ingest"), Metrics: a.Registry})

	engine, err := a.newEngine()
	if err != nil {
		return nil, err
	}
	a.Local = sessions.New(sessions.Options{
		Engine: engine, Store: st, Sink: a.Ingest, Publisher: pub, Log: log.With("component", "sessions"),
		RestoreRate: cfg.RestoreRate, Metrics: a.Registry, Leases: leases,
		SharesPresence: func(ctx context.Context, userID string) bool {
			u, err := st.UserByID(ctx, userID)
			return err == nil && u.SharePresence
		},
	})
	a.Sessions = a.Local
	if a.Cluster != nil {
		a.router = cluster.NewRouter(a.Cluster, a.Local)
		a.Sessions = a.router
	}
	if err := a.newPipeline(ctx, pub); err != nil {
		return nil, err
	}
	so := service.Options{Store: st, Auth: a.Auth, Sessions: a.Sessions, Jobs: a.Jobs, Publisher: pub, Push: a.push,
		Blobs: a.Blobs, Transcriber: cfg.TranscribeBaseURL != "", HistoryDays: cfg.HistoryDays,
		PublicURL: cfg.PublicURL, WebhookAllowedHosts: cfg.WebhookAllowedHosts, Log: log.With("component", "service"), Now: a.now,
		ActionKey: derivedKey(secret, "synapse reminder action links")}
	if a.push != nil {
		so.ReminderChannels = []string{reminders.ChannelWhatsApp, reminders.ChannelWeb, reminders.ChannelPush}
	}
	if a.Sim != nil {
		so.Simulator = a.Sim // only when set: a nil *sim.Engine would be a non-nil interface
	}
	if a.embedder != nil {
		so.Embedder = a.embedder
	}
	if a.answerer != nil {
		so.Answerer, so.AnswerModel = a.answerer, cfg.LLMModel
	}
	a.Service = service.New(so)
	a.API, err = api.New(api.Options{
		Service: a.Service, Hub: a.Hub,
		Log: log.With("component", "api"), MaxBodyBytes: cfg.MaxBodyBytes, TrustedProxies: cfg.TrustedProxies,
		Registry: a.Registry, MetricsToken: cfg.MetricsToken, MetricsPublic: cfg.MetricsPublic, Version: version,
		Ready: a.ready,
	})
	if err != nil {
		return nil, err
	}
	a.MCP = mcpserver.New(mcpserver.Options{Service: a.Service, Log: log.With("component", "mcp"),
		Version: version, MaxBodyBytes: cfg.MaxBodyBytes})
	a.Web, err = web.New(web.Options{Service: a.Service, Sessions: st, Hub: a.Hub,
		Log: log.With("component", "web"), PublicURL: cfg.PublicURL, Version: version,
		TrustedProxies: cfg.TrustedProxies, RegistrationClosed: cfg.Registration == "closed"})
	if err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// revoked ends what credentials that ended early had opened in this
// process: their realtime streams and, for an account disabled or deleted,
// its WhatsApp session. (Several nodes: the other nodes' streams end at
// their next recheck, or when the cluster carries the revocation to them.)
// controlRevoked carries a revocation to the other nodes of a cluster.
const controlRevoked = "control.revoked"

// revokeHere ends this node's streams that the revocation matches.
func (a *App) revokeHere(r auth.Revocation) {
	if a.Hub == nil {
		return
	}
	a.Hub.Revoke(r.UserID, func(c realtime.Credential) bool {
		return r.Matches(auth.Credential{UserID: c.UserID, ID: c.ID, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt})
	})
}

// onControl handles other nodes' control messages.
func (a *App) onControl(typ string, data json.RawMessage) {
	if typ != controlRevoked {
		return
	}
	var r auth.Revocation
	if err := json.Unmarshal(data, &r); err != nil {
		a.Log.Warn("cluster: unreadable revocation", "err", err)
		return
	}
	a.revokeHere(r)
}

func (a *App) revoked(r auth.Revocation) {
	if a.Cluster != nil {
		a.Cluster.Broadcast(controlRevoked, r)
	}
	a.revokeHere(r)
	if a.Sessions == nil {
		return
	}
	switch r.Reason {
	case auth.ReasonDisabled:
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := a.Sessions.Stop(ctx, r.UserID); err != nil {
				a.Log.Warn("stop the WhatsApp session of a disabled account", "user_id", r.UserID, "err", err)
			}
		}()
	case auth.ReasonDeleted:
		if a.Local != nil {
			go a.Local.Forget(r.UserID)
		}
	}
}

func (a *App) newEngine() (whatsapp.Engine, error) {
	switch a.Config.Engine {
	case config.EngineSim:
		e, err := sim.New(sim.Options{Dir: filepath.Join(a.Config.DataDir, "sim"), QRTimeouts: a.Config.SimQRTimeouts,
			Log: a.Log.With("component", "sim")})
		if err != nil {
			return nil, err
		}
		a.Sim = e
		a.closers = append(a.closers, e.Close)
		a.Log.Warn("WHATSAPP_ENGINE=sim: sessions talk to a simulated WhatsApp, not the real one")
		return e, nil
	}
	if a.Config.Engine == config.EngineWhatsmeow {
		opts := meow.Options{DB: a.Store.DB(), Dialect: string(a.Store.Dialect()), Log: a.Log.With("component", "whatsmeow"),
			MaxMediaBytes: a.Config.MaxMediaBytes, HistoryDays: a.Config.HistoryDays}
		if a.Config.SimulatorURL != "" {
			target, err := simulatorTarget(a.Config.SimulatorURL)
			if err != nil {
				return nil, &config.Error{Var: "WHATSAPP_SIMULATOR_URL", Msg: err.Error()}
			}
			opts.Simulator = target
			a.Log.Warn("WHATSAPP_SIMULATOR_URL is set: all WhatsApp traffic goes to a protocol simulator, not to WhatsApp", "simulator", a.Config.SimulatorURL)
		}
		e, err := meow.New(opts)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
	if a.Config.Engine == config.EngineWAHA {
		// The webhook key is derived from the JWT secret: stable across
		// restarts and the same on every node.
		mac := hmac.New(sha256.New, a.secret)
		mac.Write([]byte("synapse waha webhook v1"))
		e, err := waha.New(waha.Options{BaseURL: a.Config.WAHAServiceURL, APIKey: a.Config.WAHAAPIKey,
			WebhookSecret: []byte(hex.EncodeToString(mac.Sum(nil))), WebhookURL: a.wahaWebhookURL,
			Log: a.Log.With("component", "waha")})
		if err != nil {
			return nil, &config.Error{Var: "WAHA_SERVICE_URL", Msg: err.Error()}
		}
		a.waha = e
		a.Log.Info("WhatsApp sessions run on a WAHA server", "waha", a.Config.WAHAServiceURL, "waha_engine", a.Config.WAHAEngine)
		return e, nil
	}
	return nil, &config.Error{Var: "WHATSAPP_ENGINE", Msg: fmt.Sprintf("engine %q is not available in this build", a.Config.Engine)}
}

// wahaWebhookURL is the URL WAHA posts to: WAHA_WEBHOOK_URL, else the
// public URL on a single node, else this node's own address (in a cluster
// the node running a session receives its webhooks).
func (a *App) wahaWebhookURL() string {
	switch {
	case a.Config.WAHAWebhookURL != "":
		return a.Config.WAHAWebhookURL
	case a.Cluster == nil && a.Config.PublicURL != "":
		return strings.TrimRight(a.Config.PublicURL, "/") + WAHAWebhookPath
	}
	return a.selfURL + WAHAWebhookPath
}

// simulatorTarget asks a protocol simulator (cmd/wasim) for its address and
// certificate root.
func simulatorTarget(base string) (*meow.Simulator, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not a URL", base)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(strings.TrimRight(base, "/") + "/control/info")
	if err != nil {
		return nil, fmt.Errorf("cannot reach the simulator: %v", err)
	}
	defer resp.Body.Close()
	var info struct {
		RootPublicKey []byte `json:"rootPublicKey"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&info) != nil || len(info.RootPublicKey) != 32 {
		return nil, fmt.Errorf("%s/control/info did not describe a simulator (status %d)", base, resp.StatusCode)
	}
	t := &meow.Simulator{Addr: u.Host}
	copy(t.RootPublicKey[:], info.RootPublicKey)
	return t, nil
}

// newPipeline sets up the media store, the providers and the jobs.
func (a *App) newPipeline(ctx context.Context, pub realtime.Publisher) error {
	cfg := a.Config
	var blobs media.Blobs
	if cfg.MediaS3Endpoint != "" {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		s3, err := media.NewS3(sctx, media.S3Options{Endpoint: cfg.MediaS3Endpoint, Bucket: cfg.MediaS3Bucket,
			AccessKey: cfg.MediaS3AccessKey, SecretKey: cfg.MediaS3SecretKey, Region: cfg.MediaS3Region, Prefix: cfg.MediaS3Prefix})
		cancel()
		if err != nil {
			return &config.Error{Var: "MEDIA_S3_ENDPOINT", Msg: err.Error()}
		}
		blobs = s3
		a.Log.Info("media are kept in an S3-compatible store", "endpoint", cfg.MediaS3Endpoint, "bucket", cfg.MediaS3Bucket)
	} else {
		mediaDir := cfg.MediaDir
		if mediaDir == "" {
			mediaDir = filepath.Join(cfg.DataDir, "media")
		}
		fs, err := media.NewFS(mediaDir)
		if err != nil {
			return err
		}
		blobs = fs
	}
	// Blobs of earlier versions, in one namespace shared by all users,
	// become their users' own before anything is served (once per store).
	if _, err := media.UpgradeLayout(ctx, blobs, a.Store, a.Log); err != nil {
		return err
	}
	a.Blobs = blobs
	a.Ingest.UseBlobs(blobs)
	previews, err := linkpreview.New(linkpreview.Options{AllowedHosts: cfg.LinkPreviewAllowedHosts})
	if err != nil {
		return &config.Error{Var: "LINK_PREVIEW_ALLOWED_HOSTS", Msg: err.Error()}
	}
	keys, err := VAPIDKeys(cfg)
	if err != nil {
		return err
	}
	a.push, err = webpush.New(webpush.Options{Keys: keys, Subject: cfg.WebPushSubject, AllowedHosts: cfg.WebPushAllowedHosts})
	if err != nil {
		return &config.Error{Var: "WEBPUSH_ALLOWED_HOSTS", Msg: err.Error()}
	}
	d := jobs.Deps{
		Store: a.Store, Blobs: blobs, Downloader: a.Sessions, Publisher: pub, Previews: previews, Push: a.push,
		Log: a.Log.With("component", "jobs"), MaxMediaBytes: cfg.MaxMediaBytes, AutoDownloadBytes: cfg.AutoDownloadBytes, RetentionDays: cfg.RetentionDays,
		Now: a.now,
	}
	// Reminders go out through these channels, in order (the first one is
	// retried when it fails): the person's own WhatsApp chat, then the
	// realtime streams and web UI, then the browsers the person enabled
	// (Web Push).
	self := reminders.SelfChat{Sessions: a.Sessions, Store: a.Store}
	d.SelfChat = self
	d.ReminderChannels = []reminders.Channel{self, reminders.Realtime{Publisher: pub}}
	if a.push != nil {
		d.ReminderChannels = append(d.ReminderChannels, pushReminders{svc: &a.Service})
	}
	if cfg.TranscribeBaseURL != "" {
		t, err := ai.NewTranscriber(ai.Config{BaseURL: cfg.TranscribeBaseURL, APIKey: cfg.TranscribeAPIKey, Model: cfg.TranscribeModel, Logger: a.Log})
		if err != nil {
			return err
		}
		d.Transcriber = t
		a.Log.Info("voice memos are transcribed", "provider", cfg.TranscribeBaseURL, "model", cfg.TranscribeModel)
	} else {
		a.Log.Info("no transcription provider (TRANSCRIBE_BASE_URL): voice memos wait, untranscribed, until one is configured")
	}
	if cfg.LLMBaseURL != "" {
		llm := ai.Config{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel, Logger: a.Log}
		an, err := ai.NewAnalyser(llm)
		if err != nil {
			return err
		}
		sum, err := ai.NewSummariser(llm)
		if err != nil {
			return err
		}
		if a.answerer, err = ai.NewAnswerer(llm); err != nil {
			return err
		}
		d.Analyser, d.Summariser = an, sum
		a.Log.Info("analysis, summaries and Ask use a language model", "provider", cfg.LLMBaseURL, "model", cfg.LLMModel)
	} else {
		a.Log.Info("no language model (LLM_BASE_URL): Ask answers with the best passages")
	}
	if cfg.EmbeddingsBaseURL != "" {
		e, err := ai.NewEmbedder(ai.Config{BaseURL: cfg.EmbeddingsBaseURL, APIKey: cfg.EmbeddingsAPIKey, Model: cfg.EmbeddingsModel, Logger: a.Log})
		if err != nil {
			return err
		}
		a.embedder, d.Embedder = e, e
		a.Log.Info("Ask retrieves by full text and embeddings", "provider", cfg.EmbeddingsBaseURL, "model", cfg.EmbeddingsModel)
	}
	sender, err := webhooks.NewSender(webhooks.SenderOptions{AllowedHosts: cfg.WebhookAllowedHosts, Timeout: cfg.WebhookTimeout})
	if err != nil {
		return &config.Error{Var: "WEBHOOK_ALLOWED_HOSTS", Msg: err.Error()}
	}
	d.Webhooks = jobs.WebhookOptions{Sender: sender, RetryBase: cfg.WebhookRetryBase, RetryMax: cfg.WebhookRetryMax,
		MaxAttempts: cfg.WebhookMaxAttempts, DisableAfter: cfg.WebhookDisableAfter}
	a.Jobs, err = jobs.New(ctx, d, jobs.Options{})
	if err != nil {
		return err
	}
	a.Webhooks.SetEnqueuer(a.Jobs.EnqueueWebhookEvents)
	// New messages become webhook deliveries in the ingest transaction.
	a.Webhooks.Skip("message")
	a.Ingest.AddHook(a.Jobs.WebhookIngestHook())
	a.Ingest.AddHook(a.Jobs.IngestHook())
	return nil
}

func (a *App) ready(ctx context.Context) error {
	if a.shutting.Load() {
		return errors.New("shutting down")
	}
	return a.Store.Ping(ctx)
}

// serverLog takes net/http's own messages: a handler's panic is a bug and
// is logged as an error; the rest (clients that hang up, bad TLS
// handshakes) is noise, logged at debug.
type serverLog struct{ log *slog.Logger }

func (l serverLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if strings.Contains(msg, "panic") {
		l.log.Error("http: a handler panicked", "detail", msg)
	} else {
		l.log.Debug("http server", "detail", msg)
	}
	return len(p), nil
}

// nodeURL is how other nodes reach this one: SYNAPSE_NODE_URL, or the
// listener's address with the host name for an unspecified host.
func (a *App) nodeURL(ln net.Listener) string {
	if a.Config.NodeURL != "" {
		return a.Config.NodeURL
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip, err := netip.ParseAddr(host); err != nil || ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Start serves HTTP on ln and brings back the sessions that were running.
func (a *App) Start(ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.Ingest.Start()
	a.Webhooks.Start()
	a.srv = &http.Server{
		// Clients that read or send slower than SYNAPSE_MIN_TRANSFER_RATE
		// are cut off (streams keep their own liveness).
		Handler: httplimit.New(a.Handler(), httplimit.Options{MinRate: a.Config.MinTransferRate, Grace: a.Config.TransferGrace}),
		// Streams (SSE, WebSocket) end when the server shuts down.
		BaseContext: func(net.Listener) context.Context { return ctx },
		ErrorLog:    log.New(serverLog{a.Log}, "", 0),
	}
	httplimit.Configure(a.srv)
	go func() {
		defer close(a.done)
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("http server stopped", "err", err)
		}
	}()
	a.selfURL = a.nodeURL(ln)
	if a.Cluster != nil {
		// Join before restoring, so that restored sessions take leases.
		if err := a.Cluster.Start(ctx, a.selfURL, a.Local); err != nil {
			a.Log.Error("join the cluster", "err", err)
		}
	}
	// Jobs run until Shutdown stops them gracefully (not on ctx).
	if err := a.Jobs.Start(context.Background()); err != nil {
		a.Log.Error("start jobs", "err", err)
	}
	go func() {
		n, err := a.Local.Restore(ctx)
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, whatsapp.ErrClosed) {
			a.Log.Error("restore sessions", "err", err)
			return
		}
		a.Log.Info("sessions restored", "count", n)
	}()
	a.Log.Info("synapse listening", "addr", ln.Addr().String(), "engine", a.Config.Engine, "database", string(a.Store.Dialect()))
}

// Shutdown stops in order: refuse readiness, stop HTTP (ending streams),
// disconnect sessions (keeping their stored state, so that the next start
// restores them), finish queued ingest, close the database.
func (a *App) Shutdown(ctx context.Context) {
	a.shutting.Store(true)
	if a.srv != nil {
		a.cancel()
		if err := a.srv.Shutdown(ctx); err != nil {
			a.Log.Warn("http shutdown", "err", err)
		}
		<-a.done
	}
	a.closeAll()
	a.Log.Info("synapse stopped")
}

func (a *App) closeAll() {
	if a.Local != nil {
		a.Local.Close()
	}
	if a.Cluster != nil {
		a.Cluster.Close()
	}
	if a.Jobs != nil && a.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		if err := a.Jobs.Stop(ctx); err != nil {
			a.Log.Warn("stop jobs", "err", err)
		}
		cancel()
	}
	if a.Ingest != nil {
		a.Ingest.Close()
	}
	if a.Webhooks != nil {
		// Events published until now are still offered to webhooks.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		a.Webhooks.Stop(ctx)
		cancel()
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// derivedKey is a key for one purpose derived from the server's secret
// (the JWT secret, shared by every node).
func derivedKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
