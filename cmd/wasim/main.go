// Command wasim runs the fake WhatsApp server of internal/wasim as its own
// process, for benchmarks and end-to-end tests that drive it over HTTP.
//
//	wasim [-addr 127.0.0.1:0] [-root-key BASE64] [-pairing-timeout 170s] [-sync-linked-devices] [-v]
//
// It prints one line, "wasim listening on ADDR root-public-key BASE64", and
// serves until interrupted. -root-key fixes the certificate root (a base64
// Curve25519 private key), so that restarts keep the public key clients
// trust. -sync-linked-devices makes phones share their app state keys and
// send their history to newly linked devices, as WhatsApp's phones do
// (wasim.Options.SyncLinkedDevices).
package main

import (
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/synapse-kb/synapse/internal/wasim"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	rootKey := flag.String("root-key", "", "base64 private key of the certificate root (default: random)")
	pairing := flag.Duration("pairing-timeout", 170*time.Second, "how long an unpaired connection stays open")
	syncDevices := flag.Bool("sync-linked-devices", false, "phones send newly linked devices their app state keys and history")
	verbose := flag.Bool("v", false, "log protocol diagnostics to stderr")
	flag.Parse()

	o := wasim.Options{Addr: *addr, PairingTimeout: *pairing, SyncLinkedDevices: *syncDevices}
	if *rootKey != "" {
		k, err := base64.StdEncoding.DecodeString(*rootKey)
		if err != nil || len(k) != 32 {
			fmt.Fprintln(os.Stderr, "wasim: -root-key must be 32 bytes in base64")
			os.Exit(2)
		}
		o.RootKey = (*[32]byte)(k)
	}
	if *verbose {
		o.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := wasim.New(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root := s.RootPublicKey()
	fmt.Printf("wasim listening on %s root-public-key %s\n", s.Addr(), base64.StdEncoding.EncodeToString(root[:]))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	_ = s.Close()
}
