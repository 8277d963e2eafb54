package api_test

import (
	"encoding/json"
	"testing"

	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestForwardedMessages: a message its sender forwarded says so in the
// message API, one that was not does not; another
// person's token reaches neither, on both databases.
func TestForwardedMessages(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			srv := apptest.Start(t, apptest.Options{Dialect: d})
			v := newDocValidator(t, srv)
			ana, bruno := srv.Register("ana.fwd@example.com"), srv.Register("bruno.fwd@example.com")
			srv.Connect(ana, "5511911110011")
			srv.Connect(bruno, "5511922220022")
			chat := srv.Deliver(ana, map[string]any{"id": "F1", "chat": "447700900031", "type": "text", "text": "corrente recebida", "forwarded": true})
			srv.Deliver(ana, map[string]any{"id": "F2", "chat": "447700900031", "type": "text", "text": "escrito por mim"})
			path := "/api/v1/whatsapp/chats/" + chat + "/messages"
			var got struct {
				Items []struct {
					ID        string `json:"id"`
					Forwarded bool   `json:"forwarded"`
				} `json:"items"`
			}
			waitFor(t, func() bool {
				r := srv.Do("GET", path, ana.Token, nil)
				got.Items = nil
				if r.Status != 200 || json.Unmarshal(r.Body, &got) != nil {
					return false
				}
				return len(got.Items) == 2
			})
			for _, m := range got.Items {
				if m.Forwarded != (m.ID == "F1") {
					t.Errorf("message %s: forwarded %v", m.ID, m.Forwarded)
				}
			}
			runScenarios(t, srv, v, []scenario{
				{"messages owner", "GET", path, ana.Token, nil, 200, []string{`"forwarded":true`}, nil},
				{"messages other", "GET", path, bruno.Token, nil, 404, nil, []string{"corrente recebida"}},
			})
		})
	}
}
