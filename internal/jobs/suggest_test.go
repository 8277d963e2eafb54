package jobs_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestSuggestionInbox: the Suggested inbox end to end, through ingestion
// and the suggest job: a contact's request in a direct chat, the person's
// promise, and a group request that mentions the person arrive as open
// suggestions, and nothing lands in the task list by itself; a group
// request to nobody in particular, a request in an excluded chat and a
// request the person answered do not stay open; accepting makes a task
// with the message as its source; a dismissed suggestion stays dismissed
// when its message is analysed again; another user sees none of it.
func TestSuggestionInbox(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testSuggestionInbox(t, d) })
	}
}

func testSuggestionInbox(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	srv.Connect(a, "5511900000001")
	srv.Connect(b, "5511900000002")
	ws := srv.OpenWS(a)

	// An excluded chat: its requests are never read.
	excluded := srv.Deliver(a, map[string]any{"id": "x0", "chat": "5511977770005", "chatName": "Edu", "type": "text", "text": "oi!"})
	waitJSON(t, srv.Client, "/api/v1/whatsapp/chats/"+excluded+"/messages", a.Token, func(l list[store.Message]) bool { return len(l.Items) == 1 })
	r := srv.Do("PATCH", "/api/v1/whatsapp/chats/"+excluded, a.Token, map[string]any{"suggest": false})
	expectStatus(t, r, 200)
	var chat store.Chat
	r.JSON(t, &chat)
	if !chat.NoSuggestions {
		t.Fatalf("chat after suggest=false: %s", r.Body)
	}
	expectStatus(t, srv.Do("PATCH", "/api/v1/whatsapp/chats/"+excluded, b.Token, map[string]any{"suggest": false}), 404)

	carla := srv.Deliver(a, map[string]any{"id": "rq1", "chat": "5511977770001", "chatName": "Carla", "type": "text", "text": "can you send me the report tomorrow?"})
	dani := srv.Deliver(a, map[string]any{"id": "rq2", "chat": "5511977770002", "chatName": "Dani", "type": "text", "text": "Could you call the landlord about the heater?"})
	srv.Deliver(a, map[string]any{"id": "rq3", "chat": "5511977770003", "chatName": "Fábio", "type": "text", "text": "Você pode reservar uma mesa pra sábado?"})
	srv.Deliver(a, map[string]any{"id": "rp3", "chat": "5511977770003", "fromMe": true, "type": "text", "text": "Já reservei, tá tudo certo"})
	srv.Deliver(a, map[string]any{"id": "pr1", "chat": "5511977770004", "chatName": "Gabi", "fromMe": true, "type": "text", "text": "Te mando as fotos amanhã"})
	srv.Deliver(a, map[string]any{"id": "x1", "chat": "5511977770005", "type": "text", "text": "can you pick me up at 6?"})
	srv.Deliver(a, map[string]any{"id": "g1", "chat": "120363111", "group": true, "chatName": "Equipo", "from": "34600000001", "fromName": "Pablo",
		"mentions": []string{"me"}, "type": "text", "text": "@ana ¿puedes actualizar la hoja de cálculo?"})
	srv.Deliver(a, map[string]any{"id": "g2", "chat": "120363111", "group": true, "from": "34600000001", "fromName": "Pablo",
		"type": "text", "text": "¿Alguien puede traer hielo?"})
	srv.Deliver(a, map[string]any{"id": "g3", "chat": "120363111", "group": true, "from": "34600000001", "fromName": "Pablo",
		"mentions": []string{"34600000009"}, "type": "text", "text": "@Leo can you bring the cake?"})

	open := waitJSON(t, srv.Client, "/api/v1/suggestions?status=open", a.Token, func(l list[store.Suggestion]) bool { return len(l.Items) >= 4 })
	byMsg := map[string]store.Suggestion{}
	for _, g := range open.Items {
		byMsg[g.MessageID] = g
	}
	if len(open.Items) != 4 || byMsg["rq1"].Kind != "request" || byMsg["rq2"].Kind != "request" || byMsg["pr1"].Kind != "promise" || byMsg["g1"].Kind != "request" {
		t.Fatalf("open suggestions: %+v", open.Items)
	}
	rq1 := byMsg["rq1"]
	if rq1.Title != "Send me the report" || rq1.Due == nil || rq1.ChatID != carla || rq1.Snapshot.FromName != "Carla" || rq1.Snapshot.Text != "can you send me the report tomorrow?" {
		t.Errorf("rq1: %+v", rq1)
	}
	if _, ok := ws.WaitFor(30*time.Second, func(e apptest.Event) bool { return e.Type == "suggestion" }); !ok {
		t.Error("no realtime event announced a suggestion")
	}
	// The request the person answered is kept as answered, not open.
	answered := waitJSON(t, srv.Client, "/api/v1/suggestions?status=answered", a.Token, func(l list[store.Suggestion]) bool { return len(l.Items) == 1 })
	if answered.Items[0].MessageID != "rq3" {
		t.Errorf("answered: %+v", answered.Items)
	}
	// Nothing lands in the task list by itself.
	var tasks list[store.Task]
	srv.Do("GET", "/api/v1/tasks", a.Token, nil).JSON(t, &tasks)
	if len(tasks.Items) != 0 {
		t.Fatalf("tasks before any accept: %+v", tasks.Items)
	}

	// Another user sees none of it.
	for _, p := range []struct{ method, path string }{
		{"GET", "/api/v1/suggestions/" + rq1.ID}, {"POST", "/api/v1/suggestions/" + rq1.ID + "/accept"}, {"POST", "/api/v1/suggestions/" + rq1.ID + "/dismiss"},
	} {
		expectStatus(t, srv.Do(p.method, p.path, b.Token, nil), 404)
	}
	var other list[store.Suggestion]
	srv.Do("GET", "/api/v1/suggestions", b.Token, nil).JSON(t, &other)
	if len(other.Items) != 0 {
		t.Fatalf("bruno sees %+v", other.Items)
	}
	r = srv.Do("GET", "/api/v1/suggestions?status=maybe", a.Token, nil)
	expectStatus(t, r, 400)
	if !strings.Contains(string(r.Body), `"status"`) {
		t.Errorf("bad status problem: %s", r.Body)
	}

	// Accept: a task with the message as its source.
	r = srv.Do("POST", "/api/v1/suggestions/"+rq1.ID+"/accept", a.Token, nil)
	expectStatus(t, r, 200)
	var acc service.AcceptedSuggestion
	r.JSON(t, &acc)
	if acc.Suggestion.Status != "accepted" || acc.Task.ID == "" || acc.Suggestion.TaskID != acc.Task.ID || acc.Task.Title != "Send me the report" ||
		acc.Task.Source.Kind != "message" || acc.Task.Source.MessageID != "rq1" || acc.Task.Source.ChatID != carla || acc.Task.Due == nil {
		t.Fatalf("accepted: %s", r.Body)
	}
	// Again: the same task.
	r = srv.Do("POST", "/api/v1/suggestions/"+rq1.ID+"/accept", a.Token, map[string]string{"title": "Other"})
	var again service.AcceptedSuggestion
	r.JSON(t, &again)
	if again.Task.ID != acc.Task.ID {
		t.Errorf("accepting again made another task: %s", r.Body)
	}
	// Accept with a new title and due date.
	pr1 := byMsg["pr1"]
	r = srv.Do("POST", "/api/v1/suggestions/"+pr1.ID+"/accept", a.Token, map[string]string{"title": "Send Gabi the photos", "due": "2031-05-02"})
	expectStatus(t, r, 200)
	r.JSON(t, &acc)
	if acc.Task.Title != "Send Gabi the photos" || acc.Task.Due == nil || acc.Task.Due.Year() != 2031 || acc.Task.Source.MessageID != "pr1" {
		t.Errorf("accepted with changes: %s", r.Body)
	}
	r = srv.Do("POST", "/api/v1/suggestions/"+byMsg["g1"].ID+"/accept", a.Token, map[string]string{"due": "soon"})
	expectStatus(t, r, 400)
	if !strings.Contains(string(r.Body), `"due"`) {
		t.Errorf("bad due problem: %s", r.Body)
	}

	// Dismiss, then analyse again: it stays dismissed, and so does the
	// accepted one.
	rq2 := byMsg["rq2"]
	r = srv.Do("POST", "/api/v1/suggestions/"+rq2.ID+"/dismiss", a.Token, nil)
	expectStatus(t, r, 200)
	ctx := context.Background()
	for _, m := range [][2]string{{dani, "rq2"}, {carla, "rq1"}} {
		id, err := srv.App.Jobs.Resuggest(ctx, a.ID, m[0], m[1])
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			j, err := srv.App.Jobs.Client().JobGet(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == rivertype.JobStateCompleted {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the re-analysis job is %s", j.State)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	var g store.Suggestion
	srv.Do("GET", "/api/v1/suggestions/"+rq2.ID, a.Token, nil).JSON(t, &g)
	if g.Status != "dismissed" {
		t.Errorf("after re-analysis the dismissed suggestion is %+v", g)
	}
	srv.Do("GET", "/api/v1/suggestions/"+rq1.ID, a.Token, nil).JSON(t, &g)
	if g.Status != "accepted" {
		t.Errorf("after re-analysis the accepted suggestion is %+v", g)
	}
	var all list[store.Suggestion]
	srv.Do("GET", "/api/v1/suggestions", a.Token, nil).JSON(t, &all)
	if len(all.Items) != 5 || slices.ContainsFunc(all.Items, func(g store.Suggestion) bool {
		return g.ChatID == excluded || g.MessageID == "g2" || g.MessageID == "g3"
	}) {
		t.Errorf("all suggestions: %+v", all.Items)
	}
	srv.Do("GET", "/api/v1/suggestions?status=open", a.Token, nil).JSON(t, &open)
	if len(open.Items) != 1 || open.Items[0].MessageID != "g1" {
		t.Errorf("open at the end: %+v", open.Items)
	}
	srv.Do("GET", "/api/v1/tasks", a.Token, nil).JSON(t, &tasks)
	if len(tasks.Items) != 2 {
		t.Errorf("tasks at the end: %+v", tasks.Items)
	}
	// Keyset paging.
	p1 := waitJSON(t, srv.Client, "/api/v1/suggestions?limit=2", a.Token, func(l list[store.Suggestion]) bool { return true })
	if len(p1.Items) != 2 || p1.NextCursor == "" {
		t.Fatalf("page 1: %+v", p1)
	}
	p2 := waitJSON(t, srv.Client, "/api/v1/suggestions?limit=2&cursor="+p1.NextCursor, a.Token, func(l list[store.Suggestion]) bool { return true })
	if len(p2.Items) != 2 || p2.Items[0].ID == p1.Items[1].ID {
		t.Errorf("page 2: %+v", p2)
	}

	// The export holds them; deleting the account removes them.
	r = srv.Do("GET", "/api/v1/export", a.Token, nil)
	expectStatus(t, r, http.StatusOK)
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	var exported []store.Suggestion
	for _, f := range zr.File {
		if f.Name != "data/suggestions.json" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if err := json.NewDecoder(rc).Decode(&exported); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	if len(exported) != 5 {
		t.Errorf("exported suggestions: %+v", exported)
	}
	expectStatus(t, srv.Do("DELETE", "/api/v1/account", a.Token, map[string]string{"password": "correct horse battery"}), http.StatusNoContent)
	if left, err := srv.App.Store.ListSuggestions(ctx, a.ID, "", store.ListOptions{}); err != nil || len(left.Items) != 0 {
		t.Errorf("after deleting the account: %+v %v", left.Items, err)
	}
}
