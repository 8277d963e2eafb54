package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.Engine != EngineWhatsmeow || c.RetentionDays != 3 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.SQLitePath() != filepath.Join("data", "synapse.db") || c.IsPostgres() {
		t.Fatalf("default database should be SQLite in the data dir, got %q", c.SQLitePath())
	}
	if c.MetricsPublic || c.MetricsToken != "" || c.MinTransferRate != 4096 || c.TransferGrace != 10*time.Second ||
		c.PasswordHashConcurrency != 0 || c.PasswordHashWait != 5*time.Second {
		t.Fatalf("security defaults: %+v", c)
	}
	if c, err := Load(env(map[string]string{"SYNAPSE_METRICS_PUBLIC": "true"})); err != nil || !c.MetricsPublic {
		t.Fatalf("opt-in to public metrics: %v", err)
	}
	if c.WebhookTimeout != 10*time.Second || c.WebhookRetryBase != 10*time.Second || c.WebhookRetryMax != 6*time.Hour ||
		c.WebhookMaxAttempts != 15 || c.WebhookDisableAfter != 24*time.Hour || len(c.WebhookAllowedHosts) != 0 {
		t.Fatalf("webhook defaults: %+v", c)
	}
	if len(c.SimQRTimeouts) != 6 || c.SimQRTimeouts[0] != time.Minute || c.SimQRTimeouts[1] != 20*time.Second {
		t.Fatalf("QR timeouts %v", c.SimQRTimeouts)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	cases := []struct {
		env  map[string]string
		name string
	}{
		{map[string]string{"SYNAPSE_ADDR": "8080"}, "SYNAPSE_ADDR"},
		{map[string]string{"WHATSAPP_ENGINE": "chrome"}, "WHATSAPP_ENGINE"},
		{map[string]string{"WHATSAPP_ENGINE": "waha"}, "WAHA_SERVICE_URL"},
		{map[string]string{"JWT_SECRET": "short"}, "JWT_SECRET"},
		{map[string]string{"WHATSAPP_MESSAGE_RETENTION_DAYS": "three"}, "WHATSAPP_MESSAGE_RETENTION_DAYS"},
		{map[string]string{"WHATSAPP_MESSAGE_RETENTION_DAYS": "0"}, "WHATSAPP_MESSAGE_RETENTION_DAYS"},
		{map[string]string{"SYNAPSE_ACCESS_TOKEN_TTL": "forever"}, "SYNAPSE_ACCESS_TOKEN_TTL"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{map[string]string{"LLM_BASE_URL": "http://x"}, "LLM_MODEL"},
		{map[string]string{"LLM_BASE_URL": "ftp://x", "LLM_MODEL": "m"}, "LLM_BASE_URL"},
		{map[string]string{"EMBEDDINGS_BASE_URL": "http://x"}, "EMBEDDINGS_MODEL"},
		{map[string]string{"EMBEDDINGS_BASE_URL": "ftp://x", "EMBEDDINGS_MODEL": "m"}, "EMBEDDINGS_BASE_URL"},
		{map[string]string{"EMBEDDINGS_API_KEY": "k", "EMBEDDINGS_API_KEY_FILE": "/y"}, "EMBEDDINGS_API_KEY_FILE"},
		{map[string]string{"SYNAPSE_TRUSTED_PROXIES": "10.0.0.0/33"}, "SYNAPSE_TRUSTED_PROXIES"},
		{map[string]string{"LINK_PREVIEW_ALLOWED_HOSTS": "localhost"}, "LINK_PREVIEW_ALLOWED_HOSTS"},
		{map[string]string{"WEBHOOK_ALLOWED_HOSTS": "localhost"}, "WEBHOOK_ALLOWED_HOSTS"},
		{map[string]string{"WEBHOOK_TIMEOUT": "0s"}, "WEBHOOK_TIMEOUT"},
		{map[string]string{"WEBHOOK_RETRY_BASE": "soon"}, "WEBHOOK_RETRY_BASE"},
		{map[string]string{"WEBHOOK_DISABLE_AFTER": "-1h"}, "WEBHOOK_DISABLE_AFTER"},
		{map[string]string{"WEBHOOK_MAX_ATTEMPTS": "0"}, "WEBHOOK_MAX_ATTEMPTS"},
		{map[string]string{"SIM_QR_TIMEOUTS": "1s,-2s"}, "SIM_QR_TIMEOUTS"},
		{map[string]string{"WEBPUSH_ALLOWED_HOSTS": "127.0.0.1"}, "WEBPUSH_ALLOWED_HOSTS"},
		{map[string]string{"WEBPUSH_VAPID_PUBLIC_KEY": "BPub"}, "WEBPUSH_VAPID_PRIVATE_KEY"},
		{map[string]string{"WEBPUSH_VAPID_PRIVATE_KEY": "priv"}, "WEBPUSH_VAPID_PRIVATE_KEY"},
		{map[string]string{"WEBPUSH_SUBJECT": "ops@example.org"}, "WEBPUSH_SUBJECT"},
		{map[string]string{"WEBPUSH_VAPID_PRIVATE_KEY_FILE": "/does/not/exist"}, "WEBPUSH_VAPID_PRIVATE_KEY_FILE"},
		{map[string]string{"JWT_SECRET": "x", "JWT_SECRET_FILE": "/y"}, "JWT_SECRET_FILE"},
		{map[string]string{"JWT_SECRET_FILE": "/does/not/exist"}, "JWT_SECRET_FILE"},
		{map[string]string{"SYNAPSE_LOG_LEVEL": "loud"}, "SYNAPSE_LOG_LEVEL"},
		{map[string]string{"SYNAPSE_REGISTRATION": "maybe"}, "SYNAPSE_REGISTRATION"},
		{map[string]string{"MEDIA_S3_ENDPOINT": "http://minio:9000"}, "MEDIA_S3_BUCKET"},
		{map[string]string{"MEDIA_S3_ENDPOINT": "minio:9000", "MEDIA_S3_BUCKET": "b"}, "MEDIA_S3_ENDPOINT"},
		{map[string]string{"SYNAPSE_LEASE_TTL": "100ms"}, "SYNAPSE_LEASE_TTL"},
		{map[string]string{"SYNAPSE_LEASE_TTL": "soon"}, "SYNAPSE_LEASE_TTL"},
		{map[string]string{"SYNAPSE_NODE_URL": "node-1:8080"}, "SYNAPSE_NODE_URL"},
		{map[string]string{"SYNAPSE_PASSWORD_HASH_CONCURRENCY": "-1"}, "SYNAPSE_PASSWORD_HASH_CONCURRENCY"},
		{map[string]string{"SYNAPSE_PASSWORD_HASH_WAIT": "1h"}, "SYNAPSE_PASSWORD_HASH_WAIT"},
		{map[string]string{"SYNAPSE_METRICS_PUBLIC": "maybe"}, "SYNAPSE_METRICS_PUBLIC"},
		{map[string]string{"SYNAPSE_MIN_TRANSFER_RATE": "1"}, "SYNAPSE_MIN_TRANSFER_RATE"},
		{map[string]string{"SYNAPSE_TRANSFER_GRACE": "0s"}, "SYNAPSE_TRANSFER_GRACE"},
	}
	for _, tc := range cases {
		_, err := Load(env(tc.env))
		var ce *Error
		if !errors.As(err, &ce) || ce.Var != tc.name {
			t.Errorf("env %v: got %v, want an error naming %s", tc.env, err, tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.name) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %q should be one line naming %s", err, tc.name)
		}
	}
}

func TestSecretFromFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "secret")
	secret := strings.Repeat("s", 40)
	if err := os.WriteFile(f, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{"JWT_SECRET_FILE": f, "DATABASE_URL": "postgres://u@h/db"}))
	if err != nil {
		t.Fatal(err)
	}
	if string(c.JWTSecret) != secret {
		t.Fatalf("secret from file = %q", c.JWTSecret)
	}
	if !c.IsPostgres() || c.SQLitePath() != "" {
		t.Fatal("postgres URL should select PostgreSQL")
	}
	c, err = Load(env(map[string]string{"EMBEDDINGS_API_KEY_FILE": f, "EMBEDDINGS_BASE_URL": "http://emb", "EMBEDDINGS_MODEL": "m"}))
	if err != nil || c.EmbeddingsAPIKey != secret || c.EmbeddingsModel != "m" {
		t.Fatalf("embeddings key from file = %q, %v", c.EmbeddingsAPIKey, err)
	}
}

func TestParsedLists(t *testing.T) {
	c, err := Load(env(map[string]string{
		"SYNAPSE_TRUSTED_PROXIES":    "10.0.0.1, 192.168.0.0/16",
		"LINK_PREVIEW_ALLOWED_HOSTS": "127.0.0.1:8081,intranet:443",
		"SIM_QR_TIMEOUTS":            "2s,1s",
		"DATABASE_URL":               "sqlite:///tmp/x.db",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].Bits() != 32 {
		t.Fatalf("proxies %v", c.TrustedProxies)
	}
	if len(c.LinkPreviewAllowedHosts) != 2 || len(c.SimQRTimeouts) != 2 || c.SQLitePath() != "/tmp/x.db" {
		t.Fatalf("parsed %+v", c)
	}
}

// TestHistoryWindowWithinRetention: the history imported after linking
// defaults to the retention and never reaches past it.
func TestHistoryWindowWithinRetention(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want int
	}{
		{nil, 3},
		{map[string]string{"WHATSAPP_HISTORY_DAYS": "2"}, 2},
		{map[string]string{"WHATSAPP_HISTORY_DAYS": "0"}, 0},
		{map[string]string{"WHATSAPP_HISTORY_DAYS": "30"}, 3},
		{map[string]string{"WHATSAPP_HISTORY_DAYS": "30", "WHATSAPP_MESSAGE_RETENTION_DAYS": "45"}, 30},
	} {
		c, err := Load(env(tc.env))
		if err != nil || c.HistoryDays != tc.want {
			t.Fatalf("%v: history days %d (%v), want %d", tc.env, c.HistoryDays, err, tc.want)
		}
	}
}
