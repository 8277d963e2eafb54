package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/domain"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestItemSourcesAndSplit: a task said twice is one task mentioned twice
// with both messages as sources; its owner splits the repeat off, and
// another person's token reaches neither its sources nor the split, on
// both databases.
func TestItemSourcesAndSplit(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			srv := apptest.Start(t, apptest.Options{Dialect: d})
			v := newDocValidator(t, srv)
			ana, bruno := srv.Register("ana.merge@example.com"), srv.Register("bruno.merge@example.com")
			const me, chat = "351910000001@s.whatsapp.net", "351910000001@s.whatsapp.net"
			t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
			src := func(id string, at time.Time) store.Source {
				return store.Source{Kind: store.SourceMessage, ChatID: chat, MessageID: id, Snapshot: store.Snapshot{From: me, Text: "Buy milk", Time: at}}
			}
			due := time.Now().Add(time.Hour).Truncate(time.Minute)
			out, err := srv.App.Store.AddExtracted(ctx, ana.ID, src("m1", t0), []store.Extracted{{Kind: domain.KindTask, Title: "Buy milk", Due: &due, DueHasTime: true}})
			if err != nil || len(out) != 1 {
				t.Fatal(out, err)
			}
			if _, err := srv.App.Store.AddExtracted(ctx, ana.ID, src("m2", t0.Add(time.Minute)), []store.Extracted{{Kind: domain.KindTask, Title: "buy milk!"}}); err != nil {
				t.Fatal(err)
			}
			id := out[0].(store.Task).ID
			path := "/api/v1/tasks/" + id
			r := srv.Do("GET", path, ana.Token, nil)
			v.check("GET", srv.URL+path, nil, r)
			var task store.Task
			r.JSON(t, &task)
			if r.Status != http.StatusOK || task.Mentions != 2 || len(task.Sources) != 2 || !task.Sources[0].First ||
				task.Sources[1].MessageID != "m2" || !strings.HasPrefix(task.Sources[1].URL, "/chats/") {
				t.Fatalf("task: %d %s", r.Status, r.Body)
			}
			r = srv.Do("GET", "/api/v1/tasks", ana.Token, nil)
			v.check("GET", srv.URL+"/api/v1/tasks", nil, r)
			if !strings.Contains(string(r.Body), `"mentions":2`) || strings.Contains(string(r.Body), `"sources"`) {
				t.Fatalf("list: %s", r.Body)
			}
			body := map[string]string{"chatId": chat, "messageId": "m2"}
			for _, p := range []string{path, "/api/v1/tasks/nope"} {
				if r := srv.Do("POST", p+"/split", bruno.Token, body); r.Status != http.StatusNotFound {
					t.Fatalf("bruno splits %s: %d %s", p, r.Status, r.Body)
				}
			}
			if r := srv.Do("GET", path, bruno.Token, nil); r.Status != http.StatusNotFound {
				t.Fatalf("bruno reads ana's task and sources: %d", r.Status)
			}
			r = srv.Do("POST", path+"/split", ana.Token, map[string]string{"chatId": chat})
			v.check("POST", srv.URL+path+"/split", nil, r)
			if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "messageId") {
				t.Fatalf("split without a message: %d %s", r.Status, r.Body)
			}
			if r := srv.Do("POST", path+"/split", ana.Token, map[string]string{"chatId": chat, "messageId": "m1"}); !strings.Contains(string(r.Body), "messageId") || r.Status/100 != 4 {
				t.Fatalf("split of the first source: %d %s", r.Status, r.Body)
			}
			r = srv.Do("POST", path+"/split", ana.Token, body)
			v.check("POST", srv.URL+path+"/split", body, r)
			var split service.Split
			r.JSON(t, &split)
			if r.Status != http.StatusCreated || split.ID == "" || split.From != id || split.Kind != domain.KindTask {
				t.Fatalf("split: %d %s", r.Status, r.Body)
			}
			r = srv.Do("GET", "/api/v1/tasks/"+split.ID, ana.Token, nil)
			task = store.Task{}
			r.JSON(t, &task)
			if task.Mentions != 1 || task.Title != "Buy milk" || len(task.Sources) != 1 || task.Sources[0].MessageID != "m2" {
				t.Fatalf("split task: %s", r.Body)
			}
			// The copy keeps the due time, and reminds.
			r = srv.Do("GET", "/api/v1/reminders?status=upcoming", ana.Token, nil)
			if !strings.Contains(string(r.Body), `"itemId":"`+split.ID+`"`) {
				t.Fatalf("no reminder for the split task: %s", r.Body)
			}
		})
	}
}
