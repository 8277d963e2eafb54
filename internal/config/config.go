// Package config reads Synapse's configuration from environment variables.
// There is no global configuration: Load returns a value that is passed to
// whatever needs it.
package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Engines that WHATSAPP_ENGINE accepts.
const (
	EngineWhatsmeow = "whatsmeow"
	EngineWAHA      = "waha"
	EngineSim       = "sim"
)

// Config is the whole configuration of a Synapse process.
type Config struct {
	// Addr is the HTTP listen address (SYNAPSE_ADDR).
	Addr string
	// DataDir holds the SQLite database, media and generated secrets
	// (SYNAPSE_DATA_DIR).
	DataDir string
	// DatabaseURL is "postgres://…" for PostgreSQL, or empty / "sqlite://path"
	// / "file:path" for SQLite; empty means DataDir/synapse.db (DATABASE_URL).
	DatabaseURL string
	// PublicURL is the externally visible base URL, used for secure cookies
	// and links (SYNAPSE_PUBLIC_URL); empty means derived from requests.
	PublicURL string

	// MediaDir holds media blobs (SYNAPSE_MEDIA_DIR); empty means
	// DataDir/media. Nodes of a cluster share one (a shared volume).
	MediaDir string
	// MediaS3… put media in an S3-compatible bucket instead of MediaDir
	// (MEDIA_S3_ENDPOINT, MEDIA_S3_BUCKET, MEDIA_S3_ACCESS_KEY,
	// MEDIA_S3_SECRET_KEY, MEDIA_S3_REGION, MEDIA_S3_PREFIX).
	MediaS3Endpoint  string
	MediaS3Bucket    string
	MediaS3AccessKey string
	MediaS3SecretKey string
	MediaS3Region    string
	MediaS3Prefix    string
	// NodeURL is how the other nodes of a PostgreSQL cluster reach this one
	// (SYNAPSE_NODE_URL); empty means http://<host name>:<port>.
	NodeURL string
	// LeaseTTL is how long a node's claim on a WhatsApp session lasts
	// without renewal (SYNAPSE_LEASE_TTL): the time after which other nodes
	// take over the sessions of a node that died.
	LeaseTTL time.Duration

	// Engine is the WhatsApp engine (WHATSAPP_ENGINE).
	Engine string
	// JWTSecret signs access tokens (JWT_SECRET / JWT_SECRET_FILE). Empty
	// means: generated on first start and kept in DataDir.
	JWTSecret []byte
	// AccessTokenTTL and RefreshTokenTTL bound token lifetimes.
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// Registration is "open" (anyone may sign up) or "closed" (only
	// `synapse user add` creates accounts) (SYNAPSE_REGISTRATION).
	Registration string
	// TrustedProxies are the networks whose X-Forwarded-For is believed when
	// finding a client's address (SYNAPSE_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// MaxBodyBytes limits request bodies (SYNAPSE_MAX_BODY_BYTES).
	MaxBodyBytes int64
	// MetricsToken, when set, is required as a bearer token on /metrics.
	MetricsToken string
	// MetricsPublic serves /metrics to everyone when no MetricsToken is
	// set (SYNAPSE_METRICS_PUBLIC); otherwise it is served to this machine
	// only (see httplimit.GuardMetrics).
	MetricsPublic bool
	// MinTransferRate is the slowest a client may read a response or send
	// a request body, in bytes per second, after TransferGrace
	// (SYNAPSE_MIN_TRANSFER_RATE, SYNAPSE_TRANSFER_GRACE; see
	// httplimit.New). Streams are exempt.
	MinTransferRate int64
	TransferGrace   time.Duration

	// PasswordHashConcurrency bounds how many password hashes (argon2id,
	// 19 MiB each) run at once in the process
	// (SYNAPSE_PASSWORD_HASH_CONCURRENCY); 0 means the number of CPUs.
	PasswordHashConcurrency int
	// PasswordHashWait is how long a log-in, sign-up or password change
	// waits for a hashing slot before it is answered 503
	// (SYNAPSE_PASSWORD_HASH_WAIT).
	PasswordHashWait time.Duration

	// LogLevel and LogFormat configure the process log.
	LogLevel  string
	LogFormat string

	// RetentionDays is how long raw messages are kept
	// (WHATSAPP_MESSAGE_RETENTION_DAYS).
	RetentionDays int
	// HistoryDays is how far back the history a phone sends a newly
	// linked device is imported (WHATSAPP_HISTORY_DAYS; default: the
	// message retention; 0 imports none).
	HistoryDays int
	// AutoDownloadBytes: documents up to this size are downloaded as they
	// arrive (WHATSAPP_AUTO_DOWNLOAD_BYTES, default 5 MiB; 0: only on
	// demand).
	AutoDownloadBytes int64
	// RestoreRate is how many sessions per second are reconnected after a
	// restart (WHATSAPP_RESTORE_RATE); 0 lifts the ceiling.
	RestoreRate float64
	// MaxMediaBytes caps one downloaded media file (WHATSAPP_MAX_MEDIA_BYTES).
	MaxMediaBytes int64
	// SimQRTimeouts are the lifetimes of the sim engine's successive QR codes
	// (SIM_QR_TIMEOUTS); after the last one pairing stops.
	SimQRTimeouts []time.Duration
	// SimulatorURL points the whatsmeow engine at a protocol simulator
	// (WHATSAPP_SIMULATOR_URL). Demos and benchmarks only.
	SimulatorURL string

	// WAHAServiceURL, WAHAAPIKey and WAHAEngine reach an external WAHA
	// server (WHATSAPP_ENGINE=waha).
	WAHAServiceURL string
	WAHAAPIKey     string
	WAHAEngine     string
	// WAHAWebhookURL is where WAHA posts its webhooks (WAHA_WEBHOOK_URL);
	// empty means this node's address (or SYNAPSE_PUBLIC_URL on a single
	// node) + /api/v1/webhooks/waha.
	WAHAWebhookURL string

	TranscribeBaseURL string
	TranscribeAPIKey  string
	TranscribeModel   string
	LLMBaseURL        string
	LLMAPIKey         string
	LLMModel          string
	// EmbeddingsBaseURL, EmbeddingsAPIKey (or _FILE) and EmbeddingsModel
	// reach an OpenAI-compatible embeddings endpoint for Ask's semantic
	// retrieval; without one, Ask retrieves by full text only.
	EmbeddingsBaseURL string
	EmbeddingsAPIKey  string
	EmbeddingsModel   string
	// LinkPreviewAllowedHosts are host:port pairs the link-preview fetcher
	// may reach although its SSRF rules would refuse them.
	LinkPreviewAllowedHosts []string

	// WebhookTimeout bounds one request to a webhook endpoint
	// (WEBHOOK_TIMEOUT, 10s).
	WebhookTimeout time.Duration
	// WebhookRetryBase is the wait before a failed delivery's second
	// attempt; each later wait doubles up to WebhookRetryMax, with jitter
	// (WEBHOOK_RETRY_BASE 10s, WEBHOOK_RETRY_MAX 6h).
	WebhookRetryBase, WebhookRetryMax time.Duration
	// WebhookMaxAttempts is how many attempts a delivery gets
	// (WEBHOOK_MAX_ATTEMPTS, 15).
	WebhookMaxAttempts int
	// WebhookDisableAfter is how long an endpoint may fail without a
	// success before it is disabled (WEBHOOK_DISABLE_AFTER, 24h).
	WebhookDisableAfter time.Duration
	// WebhookAllowedHosts are host:port pairs webhooks may reach although
	// the SSRF rules would refuse them (WEBHOOK_ALLOWED_HOSTS).
	WebhookAllowedHosts []string
	// WebPushVAPIDPublicKey and WebPushVAPIDPrivateKey are the P-256 key
	// pair that signs Web Push requests (WEBPUSH_VAPID_PUBLIC_KEY,
	// WEBPUSH_VAPID_PRIVATE_KEY / _FILE; base64url, the public key an
	// uncompressed point, the private key its 32-byte scalar). Both empty
	// means: generated on first start and kept in DataDir, like the JWT
	// secret.
	WebPushVAPIDPublicKey  string
	WebPushVAPIDPrivateKey string
	// WebPushSubject is the contact push services see in the VAPID claims
	// (WEBPUSH_SUBJECT): a mailto: or https: URL.
	WebPushSubject string
	// WebPushAllowedHosts are host:port pairs of push endpoints that may be
	// reached over plain http or on private addresses
	// (WEBPUSH_ALLOWED_HOSTS; tests and local push services).
	WebPushAllowedHosts []string
}

// SQLitePath returns the SQLite database file when the configuration selects
// SQLite, and "" for PostgreSQL.
func (c *Config) SQLitePath() string {
	u := c.DatabaseURL
	switch {
	case u == "":
		return filepath.Join(c.DataDir, "synapse.db")
	case strings.HasPrefix(u, "sqlite://"):
		return strings.TrimPrefix(u, "sqlite://")
	case strings.HasPrefix(u, "file:"):
		return strings.TrimPrefix(u, "file:")
	}
	return ""
}

// IsPostgres reports whether the configuration selects PostgreSQL.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// Error names the variable that is wrong.
type Error struct {
	Var string
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Var, e.Msg) }

// Load reads the configuration from getenv (os.Getenv in production). For a
// secret X, X_FILE names a file holding it; setting both is an error. The
// first problem found is returned as an *Error naming the variable.
func Load(getenv func(string) string) (*Config, error) {
	p := parser{getenv: getenv}
	c := &Config{
		Addr:                    p.str("SYNAPSE_ADDR", ":8080"),
		DataDir:                 p.str("SYNAPSE_DATA_DIR", "./data"),
		DatabaseURL:             p.secret("DATABASE_URL"),
		PublicURL:               p.str("SYNAPSE_PUBLIC_URL", ""),
		MediaDir:                p.str("SYNAPSE_MEDIA_DIR", ""),
		MediaS3Endpoint:         p.str("MEDIA_S3_ENDPOINT", ""),
		MediaS3Bucket:           p.str("MEDIA_S3_BUCKET", ""),
		MediaS3AccessKey:        p.secret("MEDIA_S3_ACCESS_KEY"),
		MediaS3SecretKey:        p.secret("MEDIA_S3_SECRET_KEY"),
		MediaS3Region:           p.str("MEDIA_S3_REGION", "us-east-1"),
		MediaS3Prefix:           p.str("MEDIA_S3_PREFIX", ""),
		NodeURL:                 p.str("SYNAPSE_NODE_URL", ""),
		LeaseTTL:                p.duration("SYNAPSE_LEASE_TTL", 30*time.Second),
		Engine:                  p.str("WHATSAPP_ENGINE", EngineWhatsmeow),
		JWTSecret:               []byte(p.secret("JWT_SECRET")),
		AccessTokenTTL:          p.duration("SYNAPSE_ACCESS_TOKEN_TTL", 15*time.Minute),
		RefreshTokenTTL:         p.duration("SYNAPSE_REFRESH_TOKEN_TTL", 30*24*time.Hour),
		Registration:            p.str("SYNAPSE_REGISTRATION", "open"),
		TrustedProxies:          p.prefixes("SYNAPSE_TRUSTED_PROXIES"),
		MaxBodyBytes:            p.int64("SYNAPSE_MAX_BODY_BYTES", 1<<20),
		MetricsToken:            p.secret("SYNAPSE_METRICS_TOKEN"),
		MetricsPublic:           p.bool("SYNAPSE_METRICS_PUBLIC", false),
		MinTransferRate:         p.int64("SYNAPSE_MIN_TRANSFER_RATE", 4096),
		TransferGrace:           p.duration("SYNAPSE_TRANSFER_GRACE", 10*time.Second),
		PasswordHashConcurrency: int(p.int64("SYNAPSE_PASSWORD_HASH_CONCURRENCY", 0)),
		PasswordHashWait:        p.duration("SYNAPSE_PASSWORD_HASH_WAIT", 5*time.Second),
		LogLevel:                p.str("SYNAPSE_LOG_LEVEL", "info"),
		LogFormat:               p.str("SYNAPSE_LOG_FORMAT", "text"),
		RetentionDays:           int(p.int64("WHATSAPP_MESSAGE_RETENTION_DAYS", 3)),
		HistoryDays:             int(p.int64("WHATSAPP_HISTORY_DAYS", -1)),
		AutoDownloadBytes:       p.int64("WHATSAPP_AUTO_DOWNLOAD_BYTES", 5<<20),
		RestoreRate:             p.float("WHATSAPP_RESTORE_RATE", 20),
		MaxMediaBytes:           p.int64("WHATSAPP_MAX_MEDIA_BYTES", 64<<20),
		SimQRTimeouts:           p.durations("SIM_QR_TIMEOUTS", []time.Duration{60 * time.Second, 20 * time.Second, 20 * time.Second, 20 * time.Second, 20 * time.Second, 20 * time.Second}),
		SimulatorURL:            p.str("WHATSAPP_SIMULATOR_URL", ""),

		WAHAServiceURL: p.str("WAHA_SERVICE_URL", ""),
		WAHAAPIKey:     p.secret("WAHA_API_KEY"),
		WAHAEngine:     p.str("WAHA_ENGINE", "NOWEB"),
		WAHAWebhookURL: p.str("WAHA_WEBHOOK_URL", ""),

		TranscribeBaseURL:       p.str("TRANSCRIBE_BASE_URL", ""),
		TranscribeAPIKey:        p.secret("TRANSCRIBE_API_KEY"),
		TranscribeModel:         p.str("TRANSCRIBE_MODEL", "whisper-1"),
		LLMBaseURL:              p.str("LLM_BASE_URL", ""),
		LLMAPIKey:               p.secret("LLM_API_KEY"),
		LLMModel:                p.str("LLM_MODEL", ""),
		EmbeddingsBaseURL:       p.str("EMBEDDINGS_BASE_URL", ""),
		EmbeddingsAPIKey:        p.secret("EMBEDDINGS_API_KEY"),
		EmbeddingsModel:         p.str("EMBEDDINGS_MODEL", ""),
		LinkPreviewAllowedHosts: p.list("LINK_PREVIEW_ALLOWED_HOSTS"),

		WebhookTimeout:         p.duration("WEBHOOK_TIMEOUT", 10*time.Second),
		WebhookRetryBase:       p.duration("WEBHOOK_RETRY_BASE", 10*time.Second),
		WebhookRetryMax:        p.duration("WEBHOOK_RETRY_MAX", 6*time.Hour),
		WebhookMaxAttempts:     int(p.int64("WEBHOOK_MAX_ATTEMPTS", 15)),
		WebhookDisableAfter:    p.duration("WEBHOOK_DISABLE_AFTER", 24*time.Hour),
		WebhookAllowedHosts:    p.list("WEBHOOK_ALLOWED_HOSTS"),
		WebPushVAPIDPublicKey:  p.str("WEBPUSH_VAPID_PUBLIC_KEY", ""),
		WebPushVAPIDPrivateKey: p.secret("WEBPUSH_VAPID_PRIVATE_KEY"),
		WebPushSubject:         p.str("WEBPUSH_SUBJECT", "mailto:synapse@localhost"),
		WebPushAllowedHosts:    p.list("WEBPUSH_ALLOWED_HOSTS"),
	}
	if p.err != nil {
		return nil, p.err
	}
	if c.HistoryDays == -1 || c.HistoryDays > c.RetentionDays {
		// History older than the retention would be deleted as soon as it
		// was imported (and asked for again by "load older").
		c.HistoryDays = c.RetentionDays
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks values that parse but make no sense.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return &Error{"SYNAPSE_ADDR", fmt.Sprintf("%q is not host:port (for example :8080)", c.Addr)}
	}
	if c.DataDir == "" {
		return &Error{"SYNAPSE_DATA_DIR", "must not be empty"}
	}
	if c.DatabaseURL != "" && !c.IsPostgres() && c.SQLitePath() == "" {
		return &Error{"DATABASE_URL", "must start with postgres://, postgresql://, sqlite:// or file:"}
	}
	switch c.Engine {
	case EngineWhatsmeow, EngineSim:
	case EngineWAHA:
		if c.WAHAServiceURL == "" {
			return &Error{"WAHA_SERVICE_URL", "is required when WHATSAPP_ENGINE=waha"}
		}
	default:
		return &Error{"WHATSAPP_ENGINE", fmt.Sprintf("%q is not one of whatsmeow, waha, sim", c.Engine)}
	}
	if len(c.JWTSecret) > 0 && len(c.JWTSecret) < 32 {
		return &Error{"JWT_SECRET", "must be at least 32 bytes (or unset, to generate one)"}
	}
	if c.AccessTokenTTL < time.Minute || c.AccessTokenTTL > 24*time.Hour {
		return &Error{"SYNAPSE_ACCESS_TOKEN_TTL", "must be between 1m and 24h"}
	}
	if c.RefreshTokenTTL < c.AccessTokenTTL {
		return &Error{"SYNAPSE_REFRESH_TOKEN_TTL", "must not be shorter than SYNAPSE_ACCESS_TOKEN_TTL"}
	}
	if c.Registration != "open" && c.Registration != "closed" {
		return &Error{"SYNAPSE_REGISTRATION", fmt.Sprintf("%q is not open or closed", c.Registration)}
	}
	if c.MaxBodyBytes < 1024 {
		return &Error{"SYNAPSE_MAX_BODY_BYTES", "must be at least 1024"}
	}
	if c.MinTransferRate < 64 {
		return &Error{"SYNAPSE_MIN_TRANSFER_RATE", "must be at least 64 (bytes per second)"}
	}
	if c.TransferGrace < time.Second || c.TransferGrace > 10*time.Minute {
		return &Error{"SYNAPSE_TRANSFER_GRACE", "must be between 1s and 10m"}
	}
	if c.PasswordHashConcurrency < 0 || c.PasswordHashConcurrency > 1024 {
		return &Error{"SYNAPSE_PASSWORD_HASH_CONCURRENCY", "must be between 0 (the number of CPUs) and 1024"}
	}
	if c.PasswordHashWait < 100*time.Millisecond || c.PasswordHashWait > time.Minute {
		return &Error{"SYNAPSE_PASSWORD_HASH_WAIT", "must be between 100ms and 1m"}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return &Error{"SYNAPSE_LOG_LEVEL", fmt.Sprintf("%q is not one of debug, info, warn, error", c.LogLevel)}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return &Error{"SYNAPSE_LOG_FORMAT", fmt.Sprintf("%q is not text or json", c.LogFormat)}
	}
	if c.AutoDownloadBytes < 0 {
		return &Error{"WHATSAPP_AUTO_DOWNLOAD_BYTES", "must not be negative (0 downloads documents only on demand)"}
	}
	if c.HistoryDays < -1 {
		return &Error{"WHATSAPP_HISTORY_DAYS", "must not be negative (0 imports no history)"}
	}
	if c.RetentionDays < 1 {
		return &Error{"WHATSAPP_MESSAGE_RETENTION_DAYS", "must be at least 1"}
	}
	if c.RestoreRate < 0 {
		return &Error{"WHATSAPP_RESTORE_RATE", "must not be negative (0 lifts the ceiling)"}
	}
	if c.MaxMediaBytes < 1024 {
		return &Error{"WHATSAPP_MAX_MEDIA_BYTES", "must be at least 1024"}
	}
	if c.LeaseTTL < time.Second || c.LeaseTTL > 10*time.Minute {
		return &Error{"SYNAPSE_LEASE_TTL", "must be between 1s and 10m"}
	}
	if len(c.SimQRTimeouts) == 0 {
		return &Error{"SIM_QR_TIMEOUTS", "needs at least one duration"}
	}
	for _, v := range []struct{ name, val string }{
		{"WAHA_SERVICE_URL", c.WAHAServiceURL}, {"TRANSCRIBE_BASE_URL", c.TranscribeBaseURL},
		{"LLM_BASE_URL", c.LLMBaseURL}, {"EMBEDDINGS_BASE_URL", c.EmbeddingsBaseURL}, {"WHATSAPP_SIMULATOR_URL", c.SimulatorURL}, {"SYNAPSE_PUBLIC_URL", c.PublicURL},
		{"SYNAPSE_NODE_URL", c.NodeURL}, {"WAHA_WEBHOOK_URL", c.WAHAWebhookURL}, {"MEDIA_S3_ENDPOINT", c.MediaS3Endpoint},
	} {
		if v.val != "" && !strings.HasPrefix(v.val, "http://") && !strings.HasPrefix(v.val, "https://") {
			return &Error{v.name, fmt.Sprintf("%q is not an http(s) URL", v.val)}
		}
	}
	if c.MediaS3Endpoint != "" && c.MediaS3Bucket == "" {
		return &Error{"MEDIA_S3_BUCKET", "is required when MEDIA_S3_ENDPOINT is set"}
	}
	if c.LLMBaseURL != "" && c.LLMModel == "" {
		return &Error{"LLM_MODEL", "is required when LLM_BASE_URL is set"}
	}
	if c.EmbeddingsBaseURL != "" && c.EmbeddingsModel == "" {
		return &Error{"EMBEDDINGS_MODEL", "is required when EMBEDDINGS_BASE_URL is set"}
	}
	for _, h := range c.LinkPreviewAllowedHosts {
		if _, port, err := net.SplitHostPort(h); err != nil || port == "" {
			return &Error{"LINK_PREVIEW_ALLOWED_HOSTS", fmt.Sprintf("%q is not host:port", h)}
		}
	}
	for _, h := range c.WebhookAllowedHosts {
		if _, port, err := net.SplitHostPort(h); err != nil || port == "" {
			return &Error{"WEBHOOK_ALLOWED_HOSTS", fmt.Sprintf("%q is not host:port", h)}
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"WEBHOOK_TIMEOUT", c.WebhookTimeout}, {"WEBHOOK_RETRY_BASE", c.WebhookRetryBase}, {"WEBHOOK_RETRY_MAX", c.WebhookRetryMax}, {"WEBHOOK_DISABLE_AFTER", c.WebhookDisableAfter}} {
		if d.v <= 0 {
			return &Error{d.name, "must be a positive duration"}
		}
	}
	if c.WebhookMaxAttempts < 1 || c.WebhookMaxAttempts > 100 {
		return &Error{"WEBHOOK_MAX_ATTEMPTS", "must be between 1 and 100"}
	}
	for _, h := range c.WebPushAllowedHosts {
		if _, port, err := net.SplitHostPort(h); err != nil || port == "" {
			return &Error{"WEBPUSH_ALLOWED_HOSTS", fmt.Sprintf("%q is not host:port", h)}
		}
	}
	if (c.WebPushVAPIDPublicKey == "") != (c.WebPushVAPIDPrivateKey == "") {
		return &Error{"WEBPUSH_VAPID_PRIVATE_KEY", "set both WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY, or neither (to generate a pair)"}
	}
	if !strings.HasPrefix(c.WebPushSubject, "mailto:") && !strings.HasPrefix(c.WebPushSubject, "https://") {
		return &Error{"WEBPUSH_SUBJECT", fmt.Sprintf("%q is not a mailto: or https: URL", c.WebPushSubject)}
	}
	return nil
}

type parser struct {
	getenv func(string) string
	err    error
}

func (p *parser) fail(name, msg string) {
	if p.err == nil {
		p.err = &Error{name, msg}
	}
}

func (p *parser) str(name, def string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return def
}

// secret reads name, or the file named by name_FILE.
func (p *parser) secret(name string) string {
	v, file := p.getenv(name), p.getenv(name+"_FILE")
	if v != "" && file != "" {
		p.fail(name+"_FILE", "set either "+name+" or "+name+"_FILE, not both")
		return ""
	}
	if file == "" {
		return strings.TrimSpace(v)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		p.fail(name+"_FILE", err.Error())
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (p *parser) int64(name string, def int64) int64 {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		p.fail(name, fmt.Sprintf("%q is not a whole number", v))
		return def
	}
	return n
}

func (p *parser) bool(name string, def bool) bool {
	switch v := strings.ToLower(p.str(name, "")); v {
	case "":
		return def
	case "1", "true", "yes", "on":
		return true
	case "0", "false", "no", "off":
		return false
	default:
		p.fail(name, fmt.Sprintf("%q is not true or false", v))
		return def
	}
}

func (p *parser) float(name string, def float64) float64 {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		p.fail(name, fmt.Sprintf("%q is not a number", v))
		return def
	}
	return n
}

func (p *parser) duration(name string, def time.Duration) time.Duration {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(name, fmt.Sprintf("%q is not a duration (for example 15m)", v))
		return def
	}
	return d
}

func (p *parser) durations(name string, def []time.Duration) []time.Duration {
	items := p.list(name)
	if len(items) == 0 {
		return def
	}
	out := make([]time.Duration, 0, len(items))
	for _, it := range items {
		d, err := time.ParseDuration(it)
		if err != nil || d <= 0 {
			p.fail(name, fmt.Sprintf("%q is not a positive duration", it))
			return def
		}
		out = append(out, d)
	}
	return out
}

func (p *parser) list(name string) []string {
	var out []string
	for _, it := range strings.Split(p.getenv(name), ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

func (p *parser) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, it := range p.list(name) {
		if !strings.Contains(it, "/") {
			a, err := netip.ParseAddr(it)
			if err != nil {
				p.fail(name, fmt.Sprintf("%q is not an address or CIDR", it))
				return nil
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		pf, err := netip.ParsePrefix(it)
		if err != nil {
			p.fail(name, fmt.Sprintf("%q is not an address or CIDR", it))
			return nil
		}
		out = append(out, pf.Masked())
	}
	return out
}
