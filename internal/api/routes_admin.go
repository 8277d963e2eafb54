package api

import (
	"github.com/synapse-kb/synapse/internal/service"
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
