package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/app"
	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/config"
	"github.com/synapse-kb/synapse/internal/media"
	"github.com/synapse-kb/synapse/internal/realtime"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/webpush"
)

func newApp(t *testing.T, env map[string]string) (*app.App, error) {
	t.Helper()
	env["WHATSAPP_ENGINE"] = "sim"
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), "test")
}

// Two processes must not run the same sessions: the second is refused,
// with a reason, until the first stops.
func TestOneProcessPerDataDirectory(t *testing.T) {
	dir := t.TempDir()
	a, err := newApp(t, map[string]string{"SYNAPSE_DATA_DIR": dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newApp(t, map[string]string{"SYNAPSE_DATA_DIR": dir}); !errors.Is(err, app.ErrAlreadyRunning) {
		t.Fatalf("second process on one data directory: %v", err)
	}
	a.Shutdown(context.Background())
	b, err := newApp(t, map[string]string{"SYNAPSE_DATA_DIR": dir})
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	b.Shutdown(context.Background())
}

func TestOneProcessPerPostgresDatabase(t *testing.T) {
	url := dbtest.PostgresURL(t)
	a, err := newApp(t, map[string]string{"SYNAPSE_DATA_DIR": t.TempDir(), "DATABASE_URL": url})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	if _, err := newApp(t, map[string]string{"SYNAPSE_DATA_DIR": t.TempDir(), "DATABASE_URL": url}); !errors.Is(err, app.ErrAlreadyRunning) {
		t.Fatalf("second process on one database: %v", err)
	}
}

// SYNAPSE_MEDIA_DIR puts media outside the data directory (a volume the
// nodes of a cluster share).
func TestMediaDirectory(t *testing.T) {
	dataDir, shared := t.TempDir(), filepath.Join(t.TempDir(), "shared-media")
	a, err := newApp(t, map[string]string{"SYNAPSE_DATA_DIR": dataDir, "SYNAPSE_MEDIA_DIR": shared})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	ref, err := a.Blobs.Put(context.Background(), "01juser000000000000000000u", []byte("a photo"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	_ = filepath.WalkDir(shared, func(_ string, d fs.DirEntry, _ error) error {
		found = found || (d != nil && d.Name() == ref)
		return nil
	})
	if !found {
		t.Fatalf("blob %v not under SYNAPSE_MEDIA_DIR", ref)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "media")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("media directory created in the data directory too: %v", err)
	}
}

// The app tells its hub when credentials end: a stream opened with an API
// log-in ends when that log-in logs out, and a web session's stream when
// the password changes from another session.
func TestRevocationsEndStreams(t *testing.T) {
	a, err := newApp(t, map[string]string{"SYNAPSE_DATA_DIR": t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	ctx := context.Background()
	res, err := a.Auth.Register(ctx, auth.Registration{Email: "ana@example.com", Password: "password1"}, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	id, err := a.Auth.Authenticate(ctx, res.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	stream := func(c auth.Credential) *realtime.Subscription {
		return a.Hub.SubscribeAs(realtime.Credential{UserID: c.UserID, ID: c.ID, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt})
	}
	api := stream(id.Credential)
	ws, err := a.Store.CreateWebSession(ctx, res.User.ID, []byte("w"), []byte("c"), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	web := stream(auth.WebCredential(ws))
	if err := a.Auth.Logout(ctx, res.User.ID, res.RefreshToken); err != nil {
		t.Fatal(err)
	}
	<-api.Done()
	if api.Ended() != realtime.Revoked {
		t.Fatalf("API stream ended as %s", api.Ended())
	}
	select {
	case <-web.Done():
		t.Fatal("a web session's stream ended with an API log-out")
	default:
	}
	time.Sleep(2 * time.Millisecond) // the web session predates the change by a clock tick
	if _, err := a.Auth.ChangePassword(ctx, res.User.ID, "password1", "password2", auth.Credential{}); err != nil {
		t.Fatal(err)
	}
	<-web.Done()
	if web.Ended() != realtime.Revoked {
		t.Fatalf("web stream ended as %s", web.Ended())
	}
}

// Generated secrets are readable by their owner alone, including one kept
// by an older version with looser permissions.
func TestGeneratedSecretIsOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{DataDir: dir}
	if _, err := app.JWTSecret(cfg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "jwt-secret")
	mode := func() fs.FileMode {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	if m := mode(); m != 0o600 {
		t.Fatalf("generated secret has mode %o", m)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := app.JWTSecret(cfg); err != nil {
		t.Fatal(err)
	}
	if m := mode(); m != 0o600 {
		t.Fatalf("kept secret has mode %o after start", m)
	}
}

// VAPID keys are generated once, kept owner-only in the data directory and
// the same on the next start; configured keys win, and a pair that does
// not belong together names the variable.
func TestVAPIDKeysKeptLikeTheJWTSecret(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{DataDir: dir}
	k1, err := app.VAPIDKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := webpush.ParseKeys(k1.PublicKey, k1.PrivateKey); err != nil {
		t.Fatalf("generated pair: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "vapid-keys"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kept keys: %v %v", fi, err)
	}
	if k2, err := app.VAPIDKeys(cfg); err != nil || k2 != k1 {
		t.Fatalf("second start: %+v %v", k2, err)
	}
	other, _ := webpush.GenerateKeys()
	cfg.WebPushVAPIDPublicKey, cfg.WebPushVAPIDPrivateKey = other.PublicKey, other.PrivateKey
	if k, err := app.VAPIDKeys(cfg); err != nil || k != other {
		t.Fatalf("configured: %+v %v", k, err)
	}
	cfg.WebPushVAPIDPrivateKey = k1.PrivateKey
	var ce *config.Error
	if _, err := app.VAPIDKeys(cfg); !errors.As(err, &ce) || ce.Var != "WEBPUSH_VAPID_PRIVATE_KEY" {
		t.Fatalf("mismatched pair: %v", err)
	}
}

// An install upgraded from the shared media layout keeps serving each
// person's media, now from their own namespace, and the shared files go.
func TestUpgradedInstallKeepsServingMedia(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := store.OpenSQLite(filepath.Join(dir, "synapse.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, store.User{Email: "ana@example.com", Name: "Ana", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	photo := []byte("a photo stored by an earlier version")
	h := media.Hash(photo)
	if _, err := s.AddImage(ctx, u.ID, &store.Image{ChatID: "c", MessageID: "m", SHA256: h, MimeType: "image/png", SentAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	legacy := filepath.Join(dir, "media", h[0:2], h[2:4], h)
	if err := os.MkdirAll(filepath.Dir(legacy), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(legacy, photo, 0o600); err != nil {
		t.Fatal(err)
	}

	a, err := newApp(t, map[string]string{"SYNAPSE_DATA_DIR": dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(ctx)
	f, _, err := a.Blobs.Open(ctx, u.ID, h)
	if err != nil {
		t.Fatalf("the old photo is not served: %v", err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, photo) {
		t.Fatalf("read %q", got)
	}
	if _, err := os.Stat(legacy); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the shared file is still there: %v", err)
	}
}
