package web_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/testutil/apptest"
)

// TestSettingsExportAndDelete: Settings downloads the same export as the
// API, and deletes the account only with the box ticked and the right
// password; an administrator deletes another account from the admin page.
func TestSettingsExportAndDelete(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{})
	adm := newBrowser(t, srv)
	admin := adm.signUp("admin.delete@example.com")
	ana := newBrowser(t, srv)
	u := ana.signUp("ana.delete@example.com")
	ana.post("/tasks", url.Values{"title": {"Pack the tent"}})

	if r := ana.get("/settings"); !strings.Contains(r.body, `href="/settings/export"`) || !strings.Contains(r.body, `action="/settings/delete"`) {
		t.Fatalf("settings page lacks export or delete:\n%s", r.body)
	}
	r := ana.get("/settings/export")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %v", r.status, r.header)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range zr.File {
		found = found || f.Name == "data/tasks.json"
	}
	if !found {
		t.Fatal("no data/tasks.json in the export")
	}

	if r := ana.post("/settings/delete", url.Values{"password": {password}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "must be ticked") {
		t.Fatalf("delete without the box: %d", r.status)
	}
	if r := ana.post("/settings/delete", url.Values{"password": {"wrong password"}, "confirm": {"yes"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "is not right") {
		t.Fatalf("delete with a wrong password: %d", r.status)
	}
	if _, err := srv.App.Store.UserByID(ctx, u.ID); err != nil {
		t.Fatalf("the account went after a refusal: %v", err)
	}
	r = ana.post("/settings/delete", url.Values{"password": {password}, "confirm": {"yes"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/signin?ok=accountdeleted" {
		t.Fatalf("delete: %d %s", r.status, r.header.Get("Location"))
	}
	if _, err := srv.App.Store.UserByID(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the account is still there: %v", err)
	}
	if r := ana.get("/settings"); r.status != http.StatusSeeOther {
		t.Fatalf("the deleted account's browser still sees settings: %d", r.status)
	}

	// The administrator deletes bruno's account from the admin page.
	bruno := newBrowser(t, srv).signUp("bruno.delete@example.com")
	if r := adm.get("/admin"); !strings.Contains(r.body, "/admin/users/"+bruno.ID+"/delete") || strings.Contains(r.body, "/admin/users/"+admin.ID+"/delete") {
		t.Fatalf("admin page delete links are wrong:\n%s", r.body)
	}
	adm.get("/admin/users/" + bruno.ID + "/delete")
	if r := adm.post("/admin/users/"+bruno.ID+"/delete", nil); r.status != http.StatusSeeOther {
		t.Fatalf("admin delete: %d %s", r.status, r.body)
	}
	if _, err := srv.App.Store.UserByID(ctx, bruno.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bruno's account is still there: %v", err)
	}
}
