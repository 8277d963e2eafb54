package api

import (
	"fmt"
	"net/http"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

type simScanRequest = whatsapp.SimPhone

// incoming is a simulated message (a named type, so that the OpenAPI
// document keeps calling its schema Incoming).
type incoming whatsapp.SimIncoming

func incomings(in []incoming) []whatsapp.SimIncoming {
	out := make([]whatsapp.SimIncoming, len(in))
	for i, m := range in {
		out[i] = whatsapp.SimIncoming(m)
	}
	return out
}

type simPairCodeRequest struct {
	// Code is the pair code the device showed.
	Code     string `json:"code"`
	Phone    string `json:"phone,omitempty"`
	PushName string `json:"pushName,omitempty"`
}

type simAccount struct {
	Me whatsapp.Account `json:"me"`
}

type simDelivered struct {
	ID     string `json:"id"`
	ChatID string `json:"chatId"`
}

type simBatchRequest struct {
	Messages []incoming `json:"messages"`
}

type simBatchResponse struct {
	Items []simDelivered `json:"items"`
}

type simSentList struct {
	Items []store.Message `json:"items"`
}

// registerSim adds the simulator control routes. They act on the caller's
// own simulated phone and exist only with the sim engine.
func (s *Server) registerSim() {
	s.add(route{method: "POST", path: "/api/v1/sim/scan", tag: "simulator", access: user, scope: auth.ScopeSession, optionalBody: true,
		summary: "The simulated phone scans the QR code currently shown"}, typed(s.simScan))
	s.add(route{method: "POST", path: "/api/v1/sim/pair-code", tag: "simulator", access: user, scope: auth.ScopeSession,
		summary: "The simulated phone confirms a pair code"}, typed(s.simPairCode))
	s.add(route{method: "POST", path: "/api/v1/sim/messages", tag: "simulator", access: user, scope: auth.ScopeWrite, status: http.StatusCreated, maxBody: 24 << 20,
		summary:     "Deliver an incoming message to the simulated phone",
		description: "A repeated id is a redelivery of the same message. chat is a phone number, a group id (with group: true) or \"me\"."},
		typed(s.simMessage))
	s.add(route{method: "POST", path: "/api/v1/sim/messages/batch", tag: "simulator", access: user, scope: auth.ScopeWrite, status: http.StatusCreated, maxBody: 32 << 20,
		summary: fmt.Sprintf("Deliver up to %d incoming messages at once", service.MaxSimBatch)}, typed(s.simBatch))
	s.add(route{method: "POST", path: "/api/v1/sim/logout", tag: "simulator", access: user, scope: auth.ScopeSession,
		summary: "The simulated phone unlinks this device"}, typed(s.simLogout))
	s.add(route{method: "GET", path: "/api/v1/sim/sent", tag: "simulator", access: user,
		summary: "Messages the device sent through the simulated phone"}, typed(s.simSent))
}

func (s *Server) simScan(c *call, in *simScanRequest) (simAccount, error) {
	me, err := s.o.Service.SimScan(c.ctx(), c.userID, *in)
	return simAccount{Me: me}, err
}

func (s *Server) simPairCode(c *call, in *simPairCodeRequest) (simAccount, error) {
	me, err := s.o.Service.SimPairCode(c.ctx(), c.userID, in.Code, whatsapp.SimPhone{Phone: in.Phone, PushName: in.PushName})
	return simAccount{Me: me}, err
}

func (s *Server) simMessage(c *call, in *incoming) (simDelivered, error) {
	msgs, err := s.o.Service.SimDeliver(c.ctx(), c.userID, []whatsapp.SimIncoming{whatsapp.SimIncoming(*in)})
	if err != nil {
		return simDelivered{}, unprefix(err)
	}
	return simDelivered{ID: msgs[0].ID, ChatID: msgs[0].ChatID}, nil
}

func (s *Server) simBatch(c *call, in *simBatchRequest) (simBatchResponse, error) {
	msgs, err := s.o.Service.SimDeliver(c.ctx(), c.userID, incomings(in.Messages))
	if err != nil {
		return simBatchResponse{}, err
	}
	out := simBatchResponse{Items: make([]simDelivered, len(msgs))}
	for i, m := range msgs {
		out.Items[i] = simDelivered{ID: m.ID, ChatID: m.ChatID}
	}
	return out, nil
}

func (s *Server) simLogout(c *call, _ *noBody) (whatsapp.State, error) {
	return s.o.Service.SimUnlink(c.ctx(), c.userID)
}

func (s *Server) simSent(c *call, _ *noBody) (simSentList, error) {
	sent, err := s.o.Service.SimSent(c.ctx(), c.userID)
	return simSentList{Items: sent}, err
}

// unprefix drops the "messages[0]." prefix of a single message's field
// errors.
func unprefix(err error) error {
	verr, ok := err.(validate.Errors)
	if !ok {
		return err
	}
	out := make(validate.Errors, len(verr))
	for i, f := range verr {
		const p = "messages[0]."
		if len(f.Field) > len(p) && f.Field[:len(p)] == p {
			f.Field = f.Field[len(p):]
		}
		out[i] = f
	}
	return out
}
