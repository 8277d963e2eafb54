package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestReminderRoutes: scenarios of the reminder routes and the task fields
// that set a reminder, with another person's token and tokens of each
// scope, on both databases.
func TestReminderRoutes(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testReminderRoutes(t, d) })
	}
}

func testReminderRoutes(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	due := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	r := srv.Do("POST", "/api/v1/tasks", a.Token, map[string]any{"title": "Dentist", "due": due.Format(time.RFC3339), "remindOffset": 60})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var list struct {
		Items []struct {
			ID     string    `json:"id"`
			FireAt time.Time `json:"fireAt"`
		} `json:"items"`
	}
	srv.Do("GET", "/api/v1/reminders?status=upcoming", a.Token, nil).JSON(t, &list)
	if len(list.Items) != 1 || !list.Items[0].FireAt.Equal(due.Add(-time.Hour)) {
		t.Fatalf("upcoming: %+v", list)
	}
	id := list.Items[0].ID
	reader, writer := makeToken(t, srv, a, "reader", "read"), makeToken(t, srv, a, "writer", "write")
	for _, c := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		want, not                 []string
	}{
		{"list", "GET", "/api/v1/reminders", reader.Token, nil, 200, []string{"Dentist", `"status":"pending"`}, nil},
		{"list other", "GET", "/api/v1/reminders", b.Token, nil, 200, []string{`"items":[]`}, []string{"Dentist"}},
		{"bad status", "GET", "/api/v1/reminders?status=soon", a.Token, nil, 400, []string{`"field":"status"`}, nil},
		{"get other", "GET", "/api/v1/reminders/" + id, b.Token, nil, 404, nil, []string{"Dentist"}},
		{"snooze other", "POST", "/api/v1/reminders/" + id + "/snooze", b.Token, map[string]any{"for": "1h"}, 404, nil, nil},
		{"done other", "POST", "/api/v1/reminders/" + id + "/done", b.Token, nil, 404, nil, nil},
		{"snooze read scope", "POST", "/api/v1/reminders/" + id + "/snooze", reader.Token, map[string]any{"for": "1h"}, 403, []string{`"requiredScope":"write"`}, nil},
		{"snooze bad", "POST", "/api/v1/reminders/" + id + "/snooze", writer.Token, map[string]any{"for": "later"}, 400, []string{`"field":"for"`}, nil},
		{"snooze", "POST", "/api/v1/reminders/" + id + "/snooze", writer.Token, map[string]any{"for": "10m"}, 200, []string{`"remindAt":`, `"status":"pending"`}, nil},
		{"settings", "GET", "/api/v1/reminder-settings", reader.Token, nil, 200, []string{`"channels":["whatsapp","web"]`, `"capture":false`, `"available":["whatsapp","web","push"]`}, nil},
		{"settings read scope", "PATCH", "/api/v1/reminder-settings", reader.Token, map[string]any{"capture": true}, 403, []string{`"requiredScope":"write"`}, nil},
		{"settings bad channel", "PATCH", "/api/v1/reminder-settings", a.Token, map[string]any{"channels": []string{"pigeon"}}, 400, []string{`"field":"channels"`}, nil},
		{"settings bad offset", "PATCH", "/api/v1/reminder-settings", a.Token, map[string]any{"offsetMinutes": -5}, 400, []string{`"field":"offsetMinutes"`}, nil},
		{"settings", "PATCH", "/api/v1/reminder-settings", writer.Token, map[string]any{"capture": true, "quietStart": "22:30", "quietEnd": "06:45"}, 200, []string{`"capture":true`, `"quietStart":"22:30"`, `"quietEnd":"06:45"`}, nil},
		{"settings other untouched", "GET", "/api/v1/reminder-settings", b.Token, nil, 200, []string{`"capture":false`, `"quietStart":""`}, nil},
		{"done", "POST", "/api/v1/reminders/" + id + "/done", writer.Token, nil, 200, []string{`"done":true`}, nil},
	} {
		r := srv.Do(c.method, c.path, c.token, c.body)
		if r.Status != c.status {
			t.Fatalf("%s: %d %s", c.name, r.Status, r.Body)
		}
		for _, w := range c.want {
			if !strings.Contains(string(r.Body), w) {
				t.Fatalf("%s: body lacks %s: %s", c.name, w, r.Body)
			}
		}
		for _, n := range c.not {
			if strings.Contains(string(r.Body), n) {
				t.Fatalf("%s: body has %s: %s", c.name, n, r.Body)
			}
		}
	}
	var task struct {
		ID string `json:"id"`
	}
	srv.Do("POST", "/api/v1/tasks", a.Token, map[string]any{"title": "Call", "due": due.Format(time.RFC3339)}).JSON(t, &task)
	if r := srv.Do("PATCH", "/api/v1/tasks/"+task.ID, a.Token, map[string]any{"remindAt": "soon"}); r.Status != 400 || !strings.Contains(string(r.Body), `"field":"remindAt"`) {
		t.Fatalf("bad remindAt: %d %s", r.Status, r.Body)
	}
	if r := srv.Do("PATCH", "/api/v1/tasks/"+task.ID, b.Token, map[string]any{"remindAt": due.Format(time.RFC3339)}); r.Status != 404 {
		t.Fatalf("another person's task: %d", r.Status)
	}
	if r := srv.Do("DELETE", "/api/v1/tasks/"+task.ID, a.Token, nil); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	if n := strings.Count(string(srv.Do("GET", "/api/v1/reminders", a.Token, nil).Body), `"itemId"`); n != 1 {
		t.Fatalf("%d reminders after deleting a task, want the done one", n)
	}
}
