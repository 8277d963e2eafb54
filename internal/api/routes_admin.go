package api

import (
	"net/http"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

type adminSessionList struct {
	Items []service.AdminSession `json:"items"`
}

type userList struct {
	Items []userView `json:"items"`
}

func (s *Server) registerAdmin() {
	s.add(route{method: "GET", path: "/api/v1/admin/sessions", tag: "admin", access: admin,
		summary: "Every user's session with its live status"}, typed(s.adminSessions))
	s.add(route{method: "POST", path: "/api/v1/admin/sessions/{userId}/restart", tag: "admin", access: admin,
		summary: "Restart a user's session"}, s.adminSessionOp(service.OpRestart))
	s.add(route{method: "POST", path: "/api/v1/admin/sessions/{userId}/stop", tag: "admin", access: admin,
		summary: "Stop a user's session"}, s.adminSessionOp(service.OpStop))
	s.add(route{method: "GET", path: "/api/v1/admin/users", tag: "admin", access: admin, summary: "Every account"}, typed(s.adminUsers))
	s.add(route{method: "PATCH", path: "/api/v1/admin/users/{userId}", tag: "admin", access: admin,
		summary:     "Disable or enable an account, or change its role",
		description: "A disabled account cannot sign in; every session, token and stream it had ends at once and its WhatsApp session stops. Administrators cannot disable or demote themselves here."},
		typed(s.adminUpdateUser))
	s.add(route{method: "DELETE", path: "/api/v1/admin/users/{userId}", tag: "admin", access: admin, status: http.StatusNoContent,
		summary:     "Delete an account and everything of it",
		description: "As DELETE /api/v1/account, without the password. Administrators cannot delete their own account here (409)."},
		typed(s.adminDeleteUser))
}

func (s *Server) adminDeleteUser(c *call, _ *noBody) (noBody, error) {
	return noBody{}, s.o.Service.AdminDeleteUser(c.ctx(), c.userID, c.r.PathValue("userId"))
}

type adminUserPatch struct {
	Disabled *bool `json:"disabled,omitempty"`
	IsAdmin  *bool `json:"isAdmin,omitempty"`
}

func (s *Server) adminUpdateUser(c *call, in *adminUserPatch) (userView, error) {
	id := c.r.PathValue("userId")
	var u store.User
	var err error
	if in.Disabled != nil {
		if u, err = s.o.Service.AdminSetDisabled(c.ctx(), c.userID, id, *in.Disabled); err != nil {
			return userView{}, err
		}
	}
	if in.IsAdmin != nil {
		if u, err = s.o.Service.AdminSetAdmin(c.ctx(), c.userID, id, *in.IsAdmin); err != nil {
			return userView{}, err
		}
	}
	if in.Disabled == nil && in.IsAdmin == nil {
		u, err = s.o.Service.AdminUser(c.ctx(), c.userID, id)
	}
	return viewUser(u), err
}

func (s *Server) adminSessions(c *call, _ *noBody) (adminSessionList, error) {
	list, err := s.o.Service.AdminSessions(c.ctx(), c.userID)
	return adminSessionList{Items: list}, err
}

func (s *Server) adminSessionOp(op service.SessionOp) endpoint {
	return typed(func(c *call, _ *noBody) (whatsapp.State, error) {
		return s.o.Service.AdminSessionOp(c.ctx(), c.userID, c.r.PathValue("userId"), op)
	})
}

func (s *Server) adminUsers(c *call, _ *noBody) (userList, error) {
	users, err := s.o.Service.Users(c.ctx(), c.userID)
	out := userList{Items: make([]userView, len(users))}
	for i, u := range users {
		out.Items[i] = viewUser(u)
	}
	return out, err
}
