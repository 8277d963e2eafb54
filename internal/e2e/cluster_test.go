package e2e_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/sessions"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
	"github.com/synapse-kb/synapse/internal/wasim"
)

// runsOn reports whether the node runs the user's session.
func runsOn(srv *apptest.Server, u apptest.User) bool {
	return slices.ContainsFunc(srv.App.Local.Running(), func(l sessions.LocalSession) bool { return l.UserID == u.ID })
}

func waitRunsOn(t *testing.T, srv *apptest.Server, u apptest.User) {
	t.Helper()
	waitFor(t, func() bool { return runsOn(srv, u) })
}

// Several nodes on one PostgreSQL database with the whatsmeow engine: a
// session runs on exactly one node, any node answers for it (forwarding to
// the one running it), realtime events reach clients on every node, and
// when a node dies or stops another one takes its sessions over from the
// shared device store, without a QR code.
func TestClusterOfNodes(t *testing.T) {
	ws := startWasim(t)
	opts := apptest.Options{Dialect: store.Postgres, DatabaseURL: dbtest.PostgresDatabaseURL(t), Env: meowEnv(ws)}
	opts.Env["JWT_SECRET"] = strings.Repeat("cluster-secret-", 3)
	opts.Env["SYNAPSE_LEASE_TTL"] = "6s"
	a := apptest.Start(t, opts)
	b := apptest.Start(t, opts)
	// Each node sees the other (after its next heartbeat).
	waitFor(t, func() bool {
		r := a.Do("GET", "/metrics", "", nil)
		return r.Status == 200 && bytes.Contains(r.Body, []byte("\nsynapse_cluster_peers 1\n"))
	})

	anaPhone, _ := ws.NewPhone(wasim.PhoneOptions{Number: "5511900000011", PushName: "Ana"})
	carla, _ := ws.NewPhone(wasim.PhoneOptions{Number: "351910000013", PushName: "Carla"})
	// One account, usable on every node (they share the JWT secret).
	ana := a.Register("ana@example.com")

	// The session starts on node B; its QR code is asked of node A, which
	// forwards to B.
	if r := b.Do("POST", "/api/v1/whatsapp/start", ana.Token, nil); r.Status != 200 {
		t.Fatalf("start on b: %d %s", r.Status, r.Body)
	}
	connectPhone(t, a.Client, ana, anaPhone)
	if !runsOn(b, ana) || runsOn(a, ana) {
		t.Fatalf("session runs on a: %v, on b: %v; want only b", runsOn(a, ana), runsOn(b, ana))
	}
	var st struct {
		Status string `json:"status"`
		Me     struct {
			JID string `json:"jid"`
		} `json:"me"`
	}
	a.Do("GET", "/api/v1/whatsapp/status", ana.Token, nil).JSON(t, &st)
	if st.Status != "WORKING" || st.Me.JID != "5511900000011@s.whatsapp.net" {
		t.Fatalf("status through node a: %+v", st)
	}

	// Events of the session on B reach a browser connected to A, small
	// ones and one too large for a NOTIFY payload.
	sse := a.OpenSSE(ana)
	ws2 := a.OpenWS(ana)
	to := anaPhone.Number()
	long := strings.Repeat("uma mensagem muito longa ", 600) // 15 KB
	for _, text := range []string{"olá via nó B", long} {
		if _, err := carla.SendText(to, text); err != nil {
			t.Fatal(err)
		}
		for name, stream := range map[string]*apptest.Stream{"sse": sse, "ws": ws2} {
			if _, ok := stream.WaitFor(60*time.Second, func(e apptest.Event) bool {
				return e.Type == "message" && bytes.Contains(e.Data, []byte(text[:min(20, len(text))]))
			}); !ok {
				t.Fatalf("%s on node a did not receive the %d-byte message ingested on node b", name, len(text))
			}
		}
	}

	// Sending through A is forwarded to B and reaches the phone.
	chat := carla.JID().String()
	if r := a.Do("POST", "/api/v1/whatsapp/messages", ana.Token, map[string]string{"chatId": chat, "text": "enviado pelo nó A"}); r.Status != 201 {
		t.Fatalf("send through a: %d %s", r.Status, r.Body)
	}
	waitFor(t, func() bool {
		return slices.ContainsFunc(anaPhone.Sent(), func(m wasim.SentMessage) bool { return m.Text == "enviado pelo nó A" })
	})

	// Node B dies (no clean shutdown: its lease just stops being renewed).
	// Node A takes the session over from the shared device store: WORKING
	// again, no QR code, and messages flow through A.
	qrBefore := countQR(sse)
	b.App.Cluster.Abandon()
	b.Stop()
	waitRunsOn(t, a, ana)
	a.WaitStatus(ana, "WORKING")
	if _, err := carla.SendText(to, "depois da queda do nó B"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		for _, m := range getList(t, a.Client, "/api/v1/whatsapp/chats/"+chat+"/messages", ana.Token, 1) {
			if m["text"] == "depois da queda do nó B" {
				return true
			}
		}
		return false
	})
	if n := countQR(sse); n != qrBefore {
		t.Fatalf("%d QR codes shown during the takeover", n-qrBefore)
	}

	// A clean stop hands the session to the remaining node at once (its
	// next heartbeat), as in a rolling restart.
	c := apptest.Start(t, opts)
	a.Stop()
	waitRunsOn(t, c, ana)
	c.WaitStatus(ana, "WORKING")
	if _, err := carla.SendText(to, "no nó C"); err != nil {
		t.Fatal(err)
	}
	getListWith(t, c.Client, "/api/v1/whatsapp/chats/"+chat+"/messages", ana.Token, "no nó C")
}

func countQR(s *apptest.Stream) int {
	n := 0
	for _, e := range s.Events() {
		if e.Type == "session.qr" {
			n++
		}
	}
	return n
}

// getListWith waits until a list holds an item whose text is want.
func getListWith(t *testing.T, c *apptest.Client, path, token, want string) {
	t.Helper()
	waitFor(t, func() bool {
		for _, m := range getList(t, c, path, token, 1) {
			if m["text"] == want {
				return true
			}
		}
		return false
	})
}
