package jobs_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"testing"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// photo is a picture with some structure (a gradient and a block), as
// JPEG at a quality; seed changes the picture.
func photo(seed, quality int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			c := color.RGBA{uint8(x / 3), uint8(y / 2), uint8((x + y) / 5), 255}
			if seed == 2 {
				c = color.RGBA{uint8(255 - y/2), uint8(255 - x/3), 90, 255}
				if (x/80+y/60)%2 == 0 {
					c = color.RGBA{20, 20, 20, 255}
				}
			}
			if seed == 1 && x > 200 && x < 400 && y > 140 && y < 300 {
				c = color.RGBA{240, 30, 30, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: quality})
	return b.Bytes()
}

// TestRepeatedMessagesOneItem: through the whole pipeline (simulated
// WhatsApp, jobs, API), a note to self said twice, an idea and a note
// forwarded again, a meeting announced in two chats, a place shared twice,
// a link shared twice and a picture forwarded re-compressed each give one
// item mentioned twice; another picture stays apart, on both databases.
func TestRepeatedMessagesOneItem(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) { testRepeatedMessagesOneItem(t, d) })
	}
}

func testRepeatedMessagesOneItem(t *testing.T, d store.Dialect) {
	srv := apptest.Start(t, apptest.Options{Dialect: d})
	a, b := srv.Register("ana@example.com"), srv.Register("bruno@example.com")
	srv.Connect(a, "5511900000001")
	srv.Connect(b, "5511900000002")
	for i, text := range []string{"Buy milk tomorrow", "buy milk tomorrow!", "Idea: a bookshelf made of old crates", "idea: A bookshelf made of old crates.",
		"The garage code is 4512", "the garage code is 4512"} {
		srv.Deliver(a, map[string]any{"id": "self-" + string(rune('a'+i)), "chat": "me", "fromMe": true, "type": "text", "text": text})
	}
	srv.Deliver(a, map[string]any{"id": "ev-1", "chat": "351910000001", "chatName": "Lucía", "type": "text", "text": "Meet Lucía on Saturday at 11 at Café Central"})
	srv.Deliver(a, map[string]any{"id": "ev-2", "chat": "120363777", "group": true, "chatName": "Amigos", "from": "34600000001", "fromName": "Pablo",
		"type": "text", "text": "Meet Lucía on Saturday at 11 at Café Central"})
	srv.Deliver(a, map[string]any{"id": "loc-1", "chat": "351910000001", "type": "location", "latitude": 38.7223, "longitude": -9.1393, "name": "Café Luso"})
	srv.Deliver(a, map[string]any{"id": "loc-2", "chat": "120363777", "group": true, "from": "34600000001", "type": "location", "latitude": 38.7224, "longitude": -9.1392, "name": "Café Luso"})
	srv.Deliver(a, map[string]any{"id": "img-1", "chat": "351910000001", "type": "image", "caption": "the view", "media": photo(1, 92), "mimeType": "image/jpeg"})
	srv.Deliver(a, map[string]any{"id": "img-2", "chat": "120363777", "group": true, "from": "34600000001", "type": "image", "media": photo(1, 55), "mimeType": "image/jpeg"})
	srv.Deliver(a, map[string]any{"id": "img-3", "chat": "120363777", "group": true, "from": "34600000001", "type": "image", "media": photo(2, 80), "mimeType": "image/jpeg"})
	srv.Deliver(a, map[string]any{"id": "link-1", "chat": "351910000001", "type": "text", "text": "https://example.com/recipe"})
	srv.Deliver(a, map[string]any{"id": "link-2", "chat": "120363777", "group": true, "from": "34600000001", "type": "text", "text": "https://example.com/recipe?utm_source=x"})

	twice := func(n int, mentions []int) bool {
		if len(mentions) != n {
			return false
		}
		for _, m := range mentions {
			if m != 2 {
				return false
			}
		}
		return true
	}
	tasks := waitJSON(t, srv.Client, "/api/v1/tasks", a.Token, func(l list[store.Task]) bool {
		return len(l.Items) == 1 && l.Items[0].Mentions == 2
	})
	waitJSON(t, srv.Client, "/api/v1/ideas", a.Token, func(l list[store.Idea]) bool { return len(l.Items) == 1 && l.Items[0].Mentions == 2 })
	waitJSON(t, srv.Client, "/api/v1/notes", a.Token, func(l list[store.Note]) bool { return len(l.Items) == 1 && l.Items[0].Mentions == 2 })
	waitJSON(t, srv.Client, "/api/v1/calendar-events", a.Token, func(l list[store.Event]) bool { return len(l.Items) == 1 && l.Items[0].Mentions == 2 })
	waitJSON(t, srv.Client, "/api/v1/locations", a.Token, func(l list[store.Location]) bool {
		var m []int
		for _, x := range l.Items {
			m = append(m, x.Mentions)
		}
		return twice(1, m)
	})
	images := waitJSON(t, srv.Client, "/api/v1/images", a.Token, func(l list[store.Image]) bool {
		return len(l.Items) == 2 && (l.Items[0].Mentions+l.Items[1].Mentions) == 3
	})
	waitJSON(t, srv.Client, "/api/v1/bookmarks", a.Token, func(l list[store.Bookmark]) bool { return len(l.Items) == 1 && l.Items[0].Mentions == 2 })

	var first store.Image
	for _, im := range images.Items {
		if im.Mentions == 2 {
			first = im
		}
	}
	one := waitJSON(t, srv.Client, "/api/v1/images/"+first.ID, a.Token, func(im store.Image) bool { return len(im.Sources) == 2 })
	// The downloads finish in either order: the first stored is the image.
	got := one.Sources[0].MessageID + " " + one.Sources[1].MessageID
	if (got != "img-1 img-2" && got != "img-2 img-1") || one.Sources[0].First == one.Sources[1].First {
		t.Fatalf("image sources %+v", one.Sources)
	}
	expectStatus(t, srv.Do("POST", "/api/v1/images/"+first.ID+"/split", b.Token,
		map[string]string{"chatId": one.Sources[1].ChatID, "messageId": one.Sources[1].MessageID}), http.StatusNotFound)
	expectStatus(t, srv.Do("GET", "/api/v1/tasks/"+tasks.Items[0].ID, b.Token, nil), http.StatusNotFound)
	for _, p := range []string{"/api/v1/tasks", "/api/v1/images", "/api/v1/locations"} {
		waitJSON(t, srv.Client, p, b.Token, func(l list[map[string]any]) bool { return len(l.Items) == 0 })
	}
}
