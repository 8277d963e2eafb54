package api

import (
	"time"

	"github.com/synapse-kb/synapse/internal/whatsapp"
)

type adminSession struct {
	SessionID      string            `json:"sessionId"`
	UserID         string            `json:"userId"`
	Email          string            `json:"email"`
	Name           string            `json:"name"`
	Status         whatsapp.Status   `json:"status"`
	Reason         string            `json:"reason,omitempty"`
	Me             *whatsapp.Account `json:"me,omitempty"`
	ConnectedAt    *time.Time        `json:"connectedAt,omitempty"`
	LastActivityAt *time.Time        `json:"lastActivityAt,omitempty"`
}

type adminSessionList struct {
	Items []adminSession `json:"items"`
}

type userList struct {
	Items []userView `json:"items"`
}

func (s *Server) registerAdmin() {
	s.add(route{method: "GET", path: "/api/v1/admin/sessions", tag: "admin", access: admin,
		summary: "Every user's session with its live status"},
		typed(func(c *call, _ *noBody) (adminSessionList, error) {
			rows, err := s.o.Store.ListAllSessions(c.ctx())
			if err != nil {
				return adminSessionList{}, err
			}
			live := s.o.Sessions.Live()
			out := adminSessionList{Items: make([]adminSession, 0, len(rows))}
			for _, r := range rows {
				a := adminSession{SessionID: r.ID, UserID: r.UserID, Email: r.UserEmail, Name: r.UserName,
					Status: whatsapp.StatusStopped, Reason: r.Reason}
				if st, ok := live[r.UserID]; ok {
					a.Status, a.Reason, a.Me, a.ConnectedAt = st.Status, st.Reason, st.Me, st.ConnectedAt
				}
				if !r.LastActivityAt.IsZero() {
					t := r.LastActivityAt
					a.LastActivityAt = &t
				}
				out.Items = append(out.Items, a)
			}
			return out, nil
		}))
	target := func(c *call) (string, error) {
		u, err := s.o.Store.UserByID(c.ctx(), c.r.PathValue("userId"))
		if err != nil {
			return "", err
		}
		return u.ID, nil
	}
	s.add(route{method: "POST", path: "/api/v1/admin/sessions/{userId}/restart", tag: "admin", access: admin,
		summary: "Restart a user's session"},
		typed(func(c *call, _ *noBody) (whatsapp.State, error) {
			id, err := target(c)
			if err != nil {
				return whatsapp.State{}, err
			}
			return s.o.Sessions.Restart(c.ctx(), id)
		}))
	s.add(route{method: "POST", path: "/api/v1/admin/sessions/{userId}/stop", tag: "admin", access: admin,
		summary: "Stop a user's session"},
		typed(func(c *call, _ *noBody) (whatsapp.State, error) {
			id, err := target(c)
			if err != nil {
				return whatsapp.State{}, err
			}
			return s.o.Sessions.Stop(c.ctx(), id)
		}))
	s.add(route{method: "GET", path: "/api/v1/admin/users", tag: "admin", access: admin, summary: "Every account"},
		typed(func(c *call, _ *noBody) (userList, error) {
			users, err := s.o.Store.ListUsers(c.ctx())
			if err != nil {
				return userList{}, err
			}
			out := userList{Items: make([]userView, len(users))}
			for i, u := range users {
				out.Items[i] = viewUser(u)
			}
			return out, nil
		}))
}
