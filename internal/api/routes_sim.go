package api

import (
	"fmt"
	"net/http"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
	"github.com/synapse-kb/synapse/internal/whatsapp/sim"
)

type simScanRequest = sim.ScanOptions

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
	Messages []sim.Incoming `json:"messages"`
}

type simBatchResponse struct {
	Items []simDelivered `json:"items"`
}

type simSentList struct {
	Items []store.Message `json:"items"`
}

// maxSimBatch bounds one batch of simulated messages.
const maxSimBatch = 1000

// registerSim adds the simulator control routes. They act on the caller's
// own simulated phone and exist only with the sim engine.
func (s *Server) registerSim() {
	sid := func(c *call) (string, error) { return s.o.Sessions.SessionID(c.ctx(), c.userID) }
	s.add(route{method: "POST", path: "/api/v1/sim/scan", tag: "simulator", access: user, optionalBody: true,
		summary: "The simulated phone scans the QR code currently shown"},
		typed(func(c *call, in *simScanRequest) (simAccount, error) {
			id, err := sid(c)
			if err != nil {
				return simAccount{}, err
			}
			me, err := s.o.Sim.Scan(id, *in)
			return simAccount{Me: me}, err
		}))
	s.add(route{method: "POST", path: "/api/v1/sim/pair-code", tag: "simulator", access: user,
		summary: "The simulated phone confirms a pair code"},
		typed(func(c *call, in *simPairCodeRequest) (simAccount, error) {
			id, err := sid(c)
			if err != nil {
				return simAccount{}, err
			}
			me, err := s.o.Sim.ConfirmPairCode(id, in.Code, sim.ScanOptions{Phone: in.Phone, PushName: in.PushName})
			return simAccount{Me: me}, err
		}))
	s.add(route{method: "POST", path: "/api/v1/sim/messages", tag: "simulator", access: user, status: http.StatusCreated, maxBody: 24 << 20,
		summary:     "Deliver an incoming message to the simulated phone",
		description: "A repeated id is a redelivery of the same message. chat is a phone number, a group id (with group: true) or \"me\"."},
		typed(func(c *call, in *sim.Incoming) (simDelivered, error) {
			id, err := sid(c)
			if err != nil {
				return simDelivered{}, err
			}
			msgs, err := s.o.Sim.Deliver(id, []sim.Incoming{*in})
			if err != nil {
				return simDelivered{}, unprefix(err)
			}
			return simDelivered{ID: msgs[0].ID, ChatID: msgs[0].ChatID}, nil
		}))
	s.add(route{method: "POST", path: "/api/v1/sim/messages/batch", tag: "simulator", access: user, status: http.StatusCreated, maxBody: 32 << 20,
		summary: fmt.Sprintf("Deliver up to %d incoming messages at once", maxSimBatch)},
		typed(func(c *call, in *simBatchRequest) (simBatchResponse, error) {
			if len(in.Messages) == 0 || len(in.Messages) > maxSimBatch {
				return simBatchResponse{}, validate.Errors{{Field: "messages", Message: fmt.Sprintf("must hold 1 to %d messages", maxSimBatch)}}
			}
			id, err := sid(c)
			if err != nil {
				return simBatchResponse{}, err
			}
			msgs, err := s.o.Sim.Deliver(id, in.Messages)
			if err != nil {
				return simBatchResponse{}, err
			}
			out := simBatchResponse{Items: make([]simDelivered, len(msgs))}
			for i, m := range msgs {
				out.Items[i] = simDelivered{ID: m.ID, ChatID: m.ChatID}
			}
			return out, nil
		}))
	s.add(route{method: "POST", path: "/api/v1/sim/logout", tag: "simulator", access: user,
		summary: "The simulated phone unlinks this device"},
		typed(func(c *call, _ *noBody) (whatsapp.State, error) {
			id, err := sid(c)
			if err != nil {
				return whatsapp.State{}, err
			}
			if err := s.o.Sim.Unlink(id); err != nil {
				return whatsapp.State{}, err
			}
			return s.o.Sessions.Status(c.ctx(), c.userID)
		}))
	s.add(route{method: "GET", path: "/api/v1/sim/sent", tag: "simulator", access: user,
		summary: "Messages the device sent through the simulated phone"},
		typed(func(c *call, _ *noBody) (simSentList, error) {
			id, err := sid(c)
			if err != nil {
				return simSentList{}, err
			}
			sent, err := s.o.Sim.Sent(id)
			out := simSentList{Items: make([]store.Message, len(sent))}
			for i, m := range sent {
				out.Items[i] = store.Message{ChatID: m.ChatID, ID: m.ID, From: m.From, FromName: m.FromName, FromMe: m.FromMe,
					Type: string(m.Type), Text: m.Text, Timestamp: m.Timestamp}
			}
			return out, err
		}))
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
