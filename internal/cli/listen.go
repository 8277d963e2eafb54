package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/synapse-kb/synapse/internal/config"
)

// listen opens the HTTP listener. A taken address gets one plain sentence
// saying so and, through instead (given a free address near it), how to
// use another: "127.0.0.1:8080 is already in use; run with -addr
// 127.0.0.1:8081".
func listen(addr string, instead func(alt string) string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if addrInUse(err) {
		return nil, fmt.Errorf("%s is already in use (is Synapse already running?); %s", addr, instead(freeNear(addr)))
	}
	return nil, fmt.Errorf("listen on %s: %w", addr, err)
}

func addrInUse(err error) bool {
	// Windows says WSAEADDRINUSE, which syscall does not name.
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "Only one usage of each socket address")
}

// freeNear is an address on addr's host with a port a little above addr's
// that is free now (or the next port, when none of the twenty is).
func freeNear(addr string) string {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 {
		port = 8080
	}
	for next := port + 1; next <= min(port+20, 65535); next++ {
		alt := net.JoinHostPort(host, strconv.Itoa(next))
		if ln, err := net.Listen("tcp", alt); err == nil {
			ln.Close()
			return alt
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(min(port+1, 65535)))
}

// openURL is the address to open Synapse at: SYNAPSE_PUBLIC_URL when set,
// else the listener's address, with localhost for a wildcard host.
func openURL(cfg *config.Config, a net.Addr) string {
	if cfg.PublicURL != "" {
		return strings.TrimRight(cfg.PublicURL, "/")
	}
	return browseURL(a)
}

// browseURL is the address to open in a browser for a listener: localhost
// for a wildcard address.
func browseURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// announce says, once the server listens, where to open it: in the log,
// and as plain lines on w (standard error) for people. With the simulated
// engine it also says how to link the simulated phone and send it a
// message.
func announce(w io.Writer, log *slog.Logger, cfg *config.Config, a net.Addr) {
	url := openURL(cfg, a)
	log.Info("open Synapse in a browser", "url", url)
	fmt.Fprintf(w, "Synapse is running: open %s\n", url)
	if cfg.Engine != config.EngineSim {
		return
	}
	api := url + "/api/v1/sim/messages"
	log.Info("WhatsApp is simulated: link the simulated phone with \"Scan with simulated phone\" on the Connect page; send it messages through the API",
		"route", "POST /api/v1/sim/messages")
	fmt.Fprintf(w, `WhatsApp is simulated (WHATSAPP_ENGINE=sim). Sign up, open Connect, press "Show QR code",
then "Scan with simulated phone" to link the simulated phone. To make it receive a message:
  curl -X POST %s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"chat":"+44 7700 900001","chatName":"Bea","type":"text","text":"Lunch tomorrow?"}'
($TOKEN from POST /api/v1/auth/login; see README.md. "synapse demo" sends a stream of them for you.)
`, api)
}
