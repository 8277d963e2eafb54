package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// authForm is the sign-in and sign-up pages' data.
type authForm struct {
	CSRF               string
	Email, Name        string
	Timezone           string
	Next               string
	Error              string
	Errors             formErrors
	RegistrationClosed bool
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if v := h.signedIn(w, r); v != nil {
		redirect(w, r, safeNext(r.URL.Query().Get("next"), "/"))
		return
	}
	f := authForm{CSRF: h.anonCSRF(w, r), Next: safeNext(r.URL.Query().Get("next"), ""), RegistrationClosed: h.o.RegistrationClosed}
	h.render(w, r, nil, http.StatusOK, "signin", &page{Title: "Sign in", Data: f})
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !h.parseForm(w, r, nil) {
		return
	}
	f := authForm{Email: strings.TrimSpace(r.PostForm.Get("email")), Next: safeNext(r.PostForm.Get("next"), ""),
		RegistrationClosed: h.o.RegistrationClosed}
	if !h.checkAnonCSRF(r) {
		f.CSRF = h.anonCSRF(w, r)
		f.Error = "This form has expired. Please try again."
		h.render(w, r, nil, http.StatusForbidden, "signin", &page{Title: "Sign in", Data: f})
		return
	}
	res, err := h.o.Service.Login(r.Context(), f.Email, r.PostForm.Get("password"), h.clientAddr(r))
	if err == nil {
		err = h.signInAs(w, r, res)
	}
	if err != nil {
		status, msg := authFailure(w, err)
		if status == 0 {
			h.fail(w, r, nil, err)
			return
		}
		f.CSRF, f.Error = h.anonCSRF(w, r), msg
		h.render(w, r, nil, status, "signin", &page{Title: "Sign in", Data: f})
		return
	}
	h.o.Log.Info("web: signed in", "user_id", res.User.ID)
	redirect(w, r, safeNext(f.Next, "/"))
}

func (h *Handler) signUpPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if v := h.signedIn(w, r); v != nil {
		redirect(w, r, "/")
		return
	}
	f := authForm{CSRF: h.anonCSRF(w, r), RegistrationClosed: h.o.RegistrationClosed}
	status := http.StatusOK
	if f.RegistrationClosed {
		status = http.StatusForbidden
	}
	h.render(w, r, nil, status, "signup", &page{Title: "Sign up", Data: f})
}

func (h *Handler) signUp(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !h.parseForm(w, r, nil) {
		return
	}
	f := authForm{Email: strings.TrimSpace(r.PostForm.Get("email")), Name: strings.TrimSpace(r.PostForm.Get("name")),
		Timezone: strings.TrimSpace(r.PostForm.Get("timezone")), RegistrationClosed: h.o.RegistrationClosed}
	if !h.checkAnonCSRF(r) {
		f.CSRF = h.anonCSRF(w, r)
		f.Error = "This form has expired. Please try again."
		h.render(w, r, nil, http.StatusForbidden, "signup", &page{Title: "Sign up", Data: f})
		return
	}
	if h.o.RegistrationClosed {
		f.CSRF = h.anonCSRF(w, r)
		h.render(w, r, nil, http.StatusForbidden, "signup", &page{Title: "Sign up", Data: f})
		return
	}
	res, err := h.o.Service.Register(r.Context(), service.SignUp{Email: f.Email, Password: r.PostForm.Get("password"), Name: f.Name, Timezone: f.Timezone}, h.clientAddr(r))
	if err == nil {
		err = h.signInAs(w, r, res)
	}
	if err != nil {
		if fe, ok := fieldErrors(err); ok {
			f.CSRF, f.Errors, f.Error = h.anonCSRF(w, r), fe, "Please correct the fields below."
			h.render(w, r, nil, http.StatusBadRequest, "signup", &page{Title: "Sign up", Data: f})
			return
		}
		status, msg := authFailure(w, err)
		if status == 0 {
			h.fail(w, r, nil, err)
			return
		}
		f.CSRF, f.Error = h.anonCSRF(w, r), msg
		h.render(w, r, nil, status, "signup", &page{Title: "Sign up", Data: f})
		return
	}
	h.o.Log.Info("web: signed up", "user_id", res.User.ID)
	redirect(w, r, "/connect")
}

// signInAs turns a successful API login into a browser session. The API
// refresh token that login issued is revoked at once: the browser never
// sees it, the session cookie stands in for it.
func (h *Handler) signInAs(w http.ResponseWriter, r *http.Request, res auth.Result) error {
	ctx, cancel := detach(r.Context())
	defer cancel()
	if err := h.o.Service.Logout(ctx, res.User.ID, res.RefreshToken); err != nil {
		h.o.Log.Warn("web: revoke the login's refresh token", "user_id", res.User.ID, "err", err)
	}
	return h.startSession(w, r, res.User.ID)
}

// authFailure turns a sign-in or sign-up error into a status and words for
// people; status 0 means the error is not one people can fix.
func authFailure(w http.ResponseWriter, err error) (int, string) {
	var limited *auth.RateLimitedError
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		return http.StatusUnauthorized, "Wrong e-mail or password."
	case errors.Is(err, auth.ErrEmailTaken):
		return http.StatusConflict, "An account with this e-mail address exists already. Sign in instead."
	case errors.Is(err, auth.ErrRegistrationClosed):
		return http.StatusForbidden, "Sign-up is closed on this server. Ask its administrator for an account."
	case errors.Is(err, auth.ErrBusy):
		w.Header().Set("Retry-After", strconv.Itoa(int(auth.BusyRetryAfter/time.Second)))
		return http.StatusServiceUnavailable, "The server is busy checking other sign-ins. Try again in a moment."
	case errors.As(err, &limited):
		secs := int(limited.RetryAfter.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		return http.StatusTooManyRequests, fmt.Sprintf("Too many attempts. Try again in %d seconds.", max(secs, 1))
	}
	return 0, ""
}

// signOut ends this browser's session and its live streams.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx, cancel := detach(r.Context())
	defer cancel()
	if err := h.o.Service.EndWebSession(ctx, v.User.ID, v.Session.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, v, err)
		return
	}
	h.setCookie(w, r, sessionCookie, "", 0)
	redirect(w, r, "/signin?ok=signedout")
}

// signOutEverywhere ends every session of the user but this one: other
// browsers, API log-ins and their streams.
func (h *Handler) signOutEverywhere(w http.ResponseWriter, r *http.Request, v *viewer) {
	if _, err := h.o.Service.SignOutEverywhere(r.Context(), v.User.ID, auth.WebCredential(v.Session)); err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=everywhere")
}

// changePassword sets a new password; every other session ends, this
// browser stays signed in.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, err := h.o.Service.ChangePassword(r.Context(), v.User.ID, r.PostForm.Get("current"), r.PostForm.Get("new"), auth.WebCredential(v.Session))
	if fe, ok := fieldErrors(err); ok {
		h.renderSettings(w, r, v, http.StatusBadRequest, settingsData{Name: v.User.Name, Timezone: v.User.Timezone, Errors: fe})
		return
	}
	if errors.Is(err, auth.ErrBadCredentials) {
		h.renderSettings(w, r, v, http.StatusBadRequest, settingsData{Name: v.User.Name, Timezone: v.User.Timezone,
			Errors: formErrors{"currentPassword": "is not right"}})
		return
	}
	if status, msg := authFailure(w, err); status != 0 {
		h.errorPage(w, r, v, status, msg)
		return
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	redirect(w, r, "/settings?ok=password")
}
