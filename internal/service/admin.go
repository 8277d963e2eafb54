package service

import (
	"context"
	"errors"
	"time"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// requireAdmin checks, in the database (not in a credential that may be
// older than a demotion), that the caller is an administrator.
func (s *Service) requireAdmin(ctx context.Context, callerID string) error {
	u, err := s.o.Store.UserByID(ctx, callerID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !u.IsAdmin {
		return ErrForbidden
	}
	return err
}

// IsAdmin reports whether the caller is an administrator now.
func (s *Service) IsAdmin(ctx context.Context, callerID string) bool {
	return s.requireAdmin(ctx, callerID) == nil
}

// AdminSession is one person's session as an administrator sees it.
type AdminSession struct {
	SessionID string            `json:"sessionId"`
	UserID    string            `json:"userId"`
	Email     string            `json:"email"`
	Name      string            `json:"name"`
	Status    whatsapp.Status   `json:"status"`
	Reason    string            `json:"reason,omitempty"`
	Me        *whatsapp.Account `json:"me,omitempty"`
	// JID is the WhatsApp account last linked, when the session is not
	// running.
	JID            string     `json:"jid,omitempty"`
	ConnectedAt    *time.Time `json:"connectedAt,omitempty"`
	LastActivityAt *time.Time `json:"lastActivityAt,omitempty"`
}

// AdminSessions lists every person's session with its live status.
func (s *Service) AdminSessions(ctx context.Context, callerID string) ([]AdminSession, error) {
	if err := s.requireAdmin(ctx, callerID); err != nil {
		return nil, err
	}
	rows, err := s.o.Store.ListAllSessions(ctx)
	if err != nil {
		return nil, err
	}
	live := s.o.Sessions.Live()
	out := make([]AdminSession, 0, len(rows))
	for _, r := range rows {
		a := AdminSession{SessionID: r.ID, UserID: r.UserID, Email: r.UserEmail, Name: r.UserName,
			Status: whatsapp.StatusStopped, Reason: r.Reason, JID: r.JID}
		if st, ok := live[r.UserID]; ok {
			a.Status, a.Reason, a.Me, a.ConnectedAt = st.Status, st.Reason, st.Me, st.ConnectedAt
		}
		if !r.LastActivityAt.IsZero() {
			t := r.LastActivityAt
			a.LastActivityAt = &t
		}
		out = append(out, a)
	}
	return out, nil
}

// AdminUser is an account looked up by an administrator.
func (s *Service) AdminUser(ctx context.Context, callerID, userID string) (store.User, error) {
	if err := s.requireAdmin(ctx, callerID); err != nil {
		return store.User{}, err
	}
	if err := checkIDs(userID); err != nil {
		return store.User{}, err
	}
	return s.o.Store.UserByID(ctx, userID)
}

// AdminSessionOp restarts or stops another person's session.
func (s *Service) AdminSessionOp(ctx context.Context, callerID, userID string, op SessionOp) (whatsapp.State, error) {
	u, err := s.AdminUser(ctx, callerID, userID)
	if err != nil {
		return whatsapp.State{}, err
	}
	if op != OpRestart && op != OpStop {
		return whatsapp.State{}, store.ErrNotFound
	}
	st, err := s.sessionOp(ctx, u.ID, op)
	if err == nil {
		s.o.Log.Info("administrator session operation", "admin_id", callerID, "user_id", u.ID, "op", string(op))
	}
	return st, err
}

// Users lists every account.
func (s *Service) Users(ctx context.Context, callerID string) ([]store.User, error) {
	if err := s.requireAdmin(ctx, callerID); err != nil {
		return nil, err
	}
	return s.o.Store.ListUsers(ctx)
}

// AdminSetDisabled disables an account (it cannot sign in, and every
// session, token and stream it had ends; its WhatsApp session stops) or
// enables it again. Administrators cannot disable themselves.
func (s *Service) AdminSetDisabled(ctx context.Context, callerID, userID string, disabled bool) (store.User, error) {
	u, err := s.AdminUser(ctx, callerID, userID)
	if err != nil {
		return store.User{}, err
	}
	if u.ID == callerID && disabled {
		return store.User{}, ErrSelf
	}
	if err := s.o.Auth.SetDisabled(ctx, u.ID, disabled); err != nil {
		return store.User{}, err
	}
	s.o.Log.Info("administrator changed an account", "admin_id", callerID, "user_id", u.ID, "disabled", disabled)
	return s.o.Store.UserByID(ctx, u.ID)
}

// AdminSetAdmin gives an account the administrator role or takes it away.
// Administrators cannot demote themselves (so one always remains).
func (s *Service) AdminSetAdmin(ctx context.Context, callerID, userID string, isAdmin bool) (store.User, error) {
	u, err := s.AdminUser(ctx, callerID, userID)
	if err != nil {
		return store.User{}, err
	}
	if u.ID == callerID && !isAdmin {
		return store.User{}, ErrSelf
	}
	if err := s.o.Store.SetAdmin(ctx, u.ID, isAdmin); err != nil {
		return store.User{}, err
	}
	s.o.Log.Info("administrator changed an account's role", "admin_id", callerID, "user_id", u.ID, "admin", isAdmin)
	return s.o.Store.UserByID(ctx, u.ID)
}

// AdminAccount is one account as an administrator sees it, with what it
// stores.
type AdminAccount struct {
	store.User
	Usage store.Usage
}

// MaxAdminAccounts bounds the accounts one administration page lists.
const MaxAdminAccounts = 500

// AdminAccounts lists the accounts (at most MaxAdminAccounts) with their
// storage.
func (s *Service) AdminAccounts(ctx context.Context, callerID string) ([]AdminAccount, error) {
	users, err := s.Users(ctx, callerID)
	if err != nil {
		return nil, err
	}
	if len(users) > MaxAdminAccounts {
		users = users[:MaxAdminAccounts]
	}
	out := make([]AdminAccount, len(users))
	for i, u := range users {
		usage, err := s.o.Store.StorageUsage(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		out[i] = AdminAccount{User: u, Usage: usage}
	}
	return out, nil
}
