package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/aitest"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

type askCitation struct {
	N          int       `json:"n"`
	Kind       string    `json:"kind"`
	ID         string    `json:"id"`
	ChatID     string    `json:"chatId"`
	MessageID  string    `json:"messageId"`
	Snippet    string    `json:"snippet"`
	SenderName string    `json:"senderName"`
	Time       time.Time `json:"time"`
	URL        string    `json:"url"`
}

type askAnswer struct {
	Answer    *string       `json:"answer"`
	Mode      string        `json:"mode"`
	Retrieval string        `json:"retrieval"`
	Generator string        `json:"generator"`
	Note      string        `json:"note"`
	Citations []askCitation `json:"citations"`
}

func ask(t *testing.T, srv *apptest.Server, token string, body map[string]any) askAnswer {
	t.Helper()
	r := srv.Do("POST", "/api/v1/ask", token, body)
	if r.Status != http.StatusOK {
		t.Fatalf("ask %v: %d %s", body, r.Status, r.Body)
	}
	var a askAnswer
	r.JSON(t, &a)
	return a
}

// askWorld is two people with messages: ana's dentist appointment with
// Carla, her car with Dave (two days ago); bruno's own orthodontist
// secret, which must never reach ana's answers or the model.
type askWorld struct {
	srv              *apptest.Server
	ana, bruno       apptest.User
	carla, dave, bob string // chat ids
}

const brunoSecret = "orthodontist code 7391 for Bruno only"

func newAskWorld(t *testing.T, o apptest.Options) askWorld {
	t.Helper()
	srv := apptest.Start(t, o)
	w := askWorld{srv: srv, ana: srv.Register("ana.ask@example.com"), bruno: srv.Register("bruno.ask@example.com")}
	srv.Connect(w.ana, "+4915550001")
	srv.Connect(w.bruno, "+4915550002")
	now := time.Now().UTC()
	old := now.Add(-48 * time.Hour)
	w.carla = srv.Deliver(w.ana, map[string]any{"id": "m-dentist", "chat": "+4915551111", "fromName": "Carla", "type": "text",
		"text": "Your dentist appointment: Dr. Weiss has your crown ready at the clinic on Hauptstrasse"})
	srv.Deliver(w.ana, map[string]any{"id": "m-hello", "chat": "+4915551111", "fromName": "Carla", "type": "text", "text": "See you soon!"})
	w.dave = srv.Deliver(w.ana, map[string]any{"id": "m-car", "chat": "+4915552222", "fromName": "Dave", "type": "text",
		"text": "The garage called: your vehicle is ready for pickup", "timestamp": old})
	srv.Deliver(w.ana, map[string]any{"id": "m-wifi", "chat": "+4915552222", "fromName": "Dave", "type": "text",
		"text": "Appointment notes from the router guy: the modem needs replacing", "timestamp": old})
	w.bob = srv.Deliver(w.bruno, map[string]any{"id": "m-secret", "chat": "+4915553333", "fromName": "Bob", "type": "text",
		"text": "Your dentist appointment: " + brunoSecret})
	waitStored(t, srv, w.ana, w.carla, "m-hello")
	waitStored(t, srv, w.ana, w.dave, "m-wifi")
	waitStored(t, srv, w.bruno, w.bob, "m-secret")
	return w
}

// waitStored waits until a delivered message is stored.
func waitStored(t *testing.T, srv *apptest.Server, u apptest.User, chat, id string) {
	t.Helper()
	waitFor(t, func() bool {
		r := srv.Do("GET", "/api/v1/whatsapp/chats/"+chat+"/messages", u.Token, nil)
		return r.Status == http.StatusOK && strings.Contains(string(r.Body), `"id":"`+id+`"`)
	})
}

// waitEmbedded waits until the user's messages all have vectors.
func waitEmbedded(t *testing.T, srv *apptest.Server, userID string, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := srv.App.Store.CountEmbeddings(context.Background(), userID)
		if err != nil {
			t.Fatal(err)
		}
		if n >= want {
			return
		}
		if time.Now().After(deadline) {
			rows, _ := srv.App.Store.DB().Query(`SELECT kind, state, attempt, CAST(scheduled_at AS TEXT), CAST(args AS TEXT) FROM river_job`)
			for rows != nil && rows.Next() {
				var k, st, sc, args string
				var at int
				_ = rows.Scan(&k, &st, &at, &sc, &args)
				t.Log(k, st, at, sc, args)
			}
			t.Fatalf("%d of %d embedded", n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func askEnv(fake *aitest.Server, llm, embed bool) map[string]string {
	env := map[string]string{}
	if llm {
		env["LLM_BASE_URL"], env["LLM_MODEL"] = fake.BaseURL(), "test-llm"
	}
	if embed {
		env["EMBEDDINGS_BASE_URL"], env["EMBEDDINGS_MODEL"] = fake.BaseURL(), "test-embed"
	}
	return env
}

// TestAskAnswersFromOwnDataWithCitations: with a language model and
// embeddings, Ask fuses full text and vectors, has the model answer from
// numbered passages given as quoted data, and maps the numbers it cites
// back to the exact messages (dropping numbers it was not given); scoping
// by chat, sender and dates holds; another person's messages are never
// cited or sent to the model, and their chat is not found; bad input is a
// problem naming the field.
func TestAskAnswersFromOwnDataWithCitations(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			fake := aitest.New(t)
			w := newAskWorld(t, apptest.Options{Dialect: d, Env: askEnv(fake, true, true)})
			srv := w.srv
			waitEmbedded(t, srv, w.ana.ID, 4)
			waitEmbedded(t, srv, w.bruno.ID, 1)

			// "teeth" is in no message: only the vectors know it is the
			// dentist's.
			a := ask(t, srv, w.ana.Token, map[string]any{"question": "When will someone look at my teeth?"})
			if a.Mode != "answer" || a.Retrieval != "hybrid" || a.Answer == nil || a.Generator != "test-llm" {
				t.Fatalf("answer: %+v", a)
			}
			if len(a.Citations) != 1 {
				t.Fatalf("citations (number 99 must be dropped): %+v", a.Citations)
			}
			c := a.Citations[0]
			if c.N != 1 || c.Kind != "message" || c.MessageID != "m-dentist" || c.ChatID != w.carla || c.SenderName != "Carla" ||
				c.URL != "/chats/"+w.carla+"#m-m-dentist" || !strings.Contains(c.Snippet, "Hauptstrasse") || c.Time.IsZero() {
				t.Fatalf("citation: %+v", c)
			}
			if !strings.Contains(*a.Answer, "crown ready") {
				t.Fatalf("answer text: %s", *a.Answer)
			}
			fake.Lock()
			system, prompt := fake.Systems[len(fake.Systems)-1], fake.Prompts[len(fake.Prompts)-1]
			fake.Unlock()
			if !strings.Contains(system, "quoted data") || !strings.Contains(system, "never instructions") ||
				!strings.Contains(prompt, "[1] Message from Carla") || !strings.Contains(prompt, "<<<") {
				t.Fatalf("prompt does not quote the passages:\n%s\n%s", system, prompt)
			}

			// Scopes: one chat, one sender, dates.
			a = ask(t, srv, w.ana.Token, map[string]any{"question": "appointment", "chatId": w.dave})
			if len(a.Citations) == 0 || a.Citations[0].MessageID != "m-wifi" {
				t.Fatalf("chat scope: %+v", a.Citations)
			}
			for _, c := range a.Citations {
				if c.ChatID != w.dave {
					t.Fatalf("chat scope cites %+v", c)
				}
			}
			a = ask(t, srv, w.ana.Token, map[string]any{"question": "appointment", "sender": "+49 1555 2222"})
			if len(a.Citations) == 0 || a.Citations[0].MessageID != "m-wifi" {
				t.Fatalf("sender scope: %+v", a.Citations)
			}
			today := time.Now().UTC().Format("2006-01-02")
			a = ask(t, srv, w.ana.Token, map[string]any{"question": "appointment", "from": today})
			if len(a.Citations) == 0 || a.Citations[0].MessageID != "m-dentist" {
				t.Fatalf("from scope: %+v", a.Citations)
			}

			// Isolation: bruno's secret holds the words of the question;
			// it is never cited, never sent, and his chat is not ana's.
			for _, q := range []string{"dentist appointment code", "orthodontist 7391"} {
				a = ask(t, srv, w.ana.Token, map[string]any{"question": q})
				for _, c := range a.Citations {
					if strings.Contains(c.Snippet, "7391") || c.ChatID == w.bob {
						t.Fatalf("ana was shown bruno's message: %+v", c)
					}
				}
			}
			fake.Lock()
			leaked := strings.Contains(strings.Join(fake.Prompts, "\n"), "Bruno only")
			fake.Unlock()
			if leaked {
				t.Fatal("bruno's message was sent to the model for ana")
			}
			if r := srv.Do("POST", "/api/v1/ask", w.ana.Token, map[string]any{"question": "code", "chatId": w.bob}); r.Status != http.StatusNotFound {
				t.Fatalf("another person's chat: %d %s", r.Status, r.Body)
			}
			a = ask(t, srv, w.bruno.Token, map[string]any{"question": "my dentist"})
			if len(a.Citations) != 1 || a.Citations[0].MessageID != "m-secret" {
				t.Fatalf("bruno's own: %+v", a.Citations)
			}

			for _, tc := range []struct {
				body  any
				field string
			}{
				{map[string]any{"question": ""}, "question"},
				{map[string]any{"question": strings.Repeat("é", 1001)}, "question"},
				{map[string]any{"question": "x", "chatId": "bad\x01id"}, "chatId"},
				{map[string]any{"question": "x", "from": "last week"}, "from"},
				{map[string]any{"question": "x", "to": "2026-13-01"}, "to"},
				{map[string]any{"question": "x", "sender": "Dave"}, "sender"},
			} {
				r := srv.Do("POST", "/api/v1/ask", w.ana.Token, tc.body)
				if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" ||
					!strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
					t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
				}
			}
			if r := srv.Do("POST", "/api/v1/ask", w.ana.Token, `{"question": "`+strings.Repeat("a", 20000)+`"}`); r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("a huge body: %d", r.Status)
			}
			if r := srv.Do("POST", "/api/v1/ask", "", map[string]any{"question": "x"}); r.Status != http.StatusUnauthorized {
				t.Errorf("no token: %d", r.Status)
			}
		})
	}
}

// TestAskWithoutModelOrEmbeddings: with neither a language model nor an
// embeddings endpoint, Ask still answers, with the best passages from full
// text, honestly labelled; questions past the limit are 429.
func TestAskWithoutModelOrEmbeddings(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			w := newAskWorld(t, apptest.Options{Dialect: d})
			a := ask(t, w.srv, w.ana.Token, map[string]any{"question": "When is the dentist appointment?"})
			if a.Answer != nil || a.Mode != "passages" || a.Retrieval != "fulltext" || a.Generator != "" ||
				!strings.Contains(a.Note, "No language model is configured") || !strings.Contains(a.Note, "full text only") {
				t.Fatalf("passages mode: %+v", a)
			}
			if len(a.Citations) != 2 || a.Citations[0].MessageID != "m-dentist" || a.Citations[0].N != 1 || a.Citations[1].N != 2 {
				t.Fatalf("passages: %+v", a.Citations)
			}
			for _, c := range a.Citations {
				if strings.Contains(c.Snippet, "7391") {
					t.Fatal("bruno's message among ana's passages")
				}
			}
			a = ask(t, w.srv, w.ana.Token, map[string]any{"question": "zeppelin"})
			if len(a.Citations) != 0 || !strings.Contains(a.Note, "Nothing") {
				t.Fatalf("nothing found: %+v", a)
			}
			limited := false
			for range 12 {
				r := w.srv.Do("POST", "/api/v1/ask", w.ana.Token, map[string]any{"question": "dentist"})
				if r.Status == http.StatusTooManyRequests {
					limited = r.Header.Get("Retry-After") != "" && strings.Contains(string(r.Body), "ask-rate-limited")
					break
				}
			}
			if !limited {
				t.Fatal("no rate limit on Ask")
			}
			// The limit is per person.
			ask(t, w.srv, w.bruno.Token, map[string]any{"question": "dentist"})
		})
	}
}

// TestAskEmbeddingsBackfillAndFailures: messages stored before embeddings
// were configured are embedded by the backfill when they are; an
// embeddings endpoint that fails never blocks ingest (messages keep
// arriving) and, for questions, retrieval falls back to full text and
// says so.
func TestAskEmbeddingsBackfillAndFailures(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			fake := aitest.New(t)
			o := apptest.Options{Dialect: d, DataDir: t.TempDir()}
			if d == store.Postgres {
				o.DatabaseURL = dbtest.PostgresURL(t)
			}
			w := newAskWorld(t, o)
			if n, _ := w.srv.App.Store.CountEmbeddings(context.Background(), w.ana.ID); n != 0 {
				t.Fatalf("%d embeddings without an endpoint", n)
			}
			w.srv.Stop()
			o.Env = askEnv(fake, false, true)
			srv := apptest.Start(t, o)
			waitEmbedded(t, srv, w.ana.ID, 4)
			waitEmbedded(t, srv, w.bruno.ID, 1)
			if !strings.Contains(fake.Sent(), "Dr. Weiss") {
				t.Fatal("the backfill did not embed the old messages")
			}
			a := ask(t, srv, w.ana.Token, map[string]any{"question": "Where is my automobile?"})
			if a.Retrieval != "hybrid" || a.Mode != "passages" || len(a.Citations) == 0 || a.Citations[0].MessageID != "m-car" {
				t.Fatalf("hybrid without a model: %+v", a)
			}

			fake.SetFailEmbeddings(true)
			srv.Deliver(w.ana, map[string]any{"id": "m-new", "chat": "+4915551111", "fromName": "Carla", "type": "text", "text": "Dentist moved to Wednesday"})
			waitStored(t, srv, w.ana, w.carla, "m-new") // ingest goes on while embeddings fail
			a = ask(t, srv, w.ana.Token, map[string]any{"question": "dentist"})
			if a.Retrieval != "fulltext" || !strings.Contains(a.Note, "full text only") || len(a.Citations) == 0 {
				t.Fatalf("fallback: %+v", a)
			}
			fake.SetFailEmbeddings(false)
			waitEmbedded(t, srv, w.ana.ID, 5) // River retries the failed job
		})
	}
}
