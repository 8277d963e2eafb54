package api

import "testing"

func TestLoggedPathHidesCapabilitySecrets(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v1/reminder-actions/abc.def": "/api/v1/reminder-actions/…",
		"/calendar/s3cret.ics":             "/calendar/…",
		"/api/v1/tasks/t1":                 "/api/v1/tasks/t1",
		"/api/v1/reminder-actions/":        "/api/v1/reminder-actions/",
	} {
		if got := loggedPath(in); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", in, got, want)
		}
	}
}
