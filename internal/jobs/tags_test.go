package jobs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
	"github.com/synapse-kb/synapse/internal/testutil/dbtest"
)

// TestHashtagsBecomeTags: through the whole pipeline, a note to self "buy
// milk #groceries" becomes a task tagged groceries, a picture's caption
// tags the image, and the tags filter the lists.
func TestHashtagsBecomeTags(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			srv := apptest.Start(t, apptest.Options{Dialect: d})
			a := srv.Register("ana.hashtags@example.com")
			srv.Connect(a, "5511900000011")
			srv.Deliver(a, map[string]any{"id": "self-tag", "chat": "me", "type": "text", "text": "buy milk #groceries"})
			srv.Deliver(a, map[string]any{"id": "img-tag", "chat": "351910000007", "chatName": "Carla", "type": "image",
				"caption": "jantar #Família #café", "media": testPNG(40, 30), "mimeType": "image/png"})
			tasks := waitJSON(t, srv.Client, "/api/v1/tasks?tag=groceries", a.Token, func(l list[store.Task]) bool { return len(l.Items) == 1 })
			if task := tasks.Items[0]; !strings.Contains(strings.ToLower(task.Title), "buy milk") || !reflect.DeepEqual(task.Tags, []string{"groceries"}) {
				t.Fatalf("task %+v", task)
			}
			images := waitJSON(t, srv.Client, "/api/v1/images?tag=família", a.Token, func(l list[store.Image]) bool { return len(l.Items) == 1 })
			if !reflect.DeepEqual(images.Items[0].Tags, []string{"família", "café"}) {
				t.Fatalf("image tags %q", images.Items[0].Tags)
			}
			var none list[store.Task]
			srv.Do("GET", "/api/v1/tasks?tag=família", a.Token, nil).JSON(t, &none)
			if len(none.Items) != 0 {
				t.Fatalf("tasks tagged família: %+v", none.Items)
			}
		})
	}
}
