package service

import (
	"context"
	"fmt"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// MaxSimBatch bounds one batch of simulated messages.
const MaxSimBatch = 1000

// sim returns the simulator and the caller's session id.
func (s *Service) sim(ctx context.Context, userID string) (whatsapp.Simulator, string, error) {
	if s.o.Simulator == nil {
		return nil, "", ErrNoSimulator
	}
	id, err := s.o.Sessions.SessionID(ctx, userID)
	return s.o.Simulator, id, err
}

// SimScan makes the caller's simulated phone scan the QR code shown.
func (s *Service) SimScan(ctx context.Context, userID string, phone whatsapp.SimPhone) (whatsapp.Account, error) {
	sim, id, err := s.sim(ctx, userID)
	if err != nil {
		return whatsapp.Account{}, err
	}
	return sim.Scan(id, phone)
}

// SimPairCode makes the caller's simulated phone confirm a pair code.
func (s *Service) SimPairCode(ctx context.Context, userID, code string, phone whatsapp.SimPhone) (whatsapp.Account, error) {
	sim, id, err := s.sim(ctx, userID)
	if err != nil {
		return whatsapp.Account{}, err
	}
	return sim.ConfirmPairCode(id, code, phone)
}

// SimDeliver makes the caller's simulated phone receive messages.
func (s *Service) SimDeliver(ctx context.Context, userID string, in []whatsapp.SimIncoming) ([]whatsapp.Message, error) {
	if len(in) == 0 || len(in) > MaxSimBatch {
		return nil, validate.Errors{{Field: "messages", Message: fmt.Sprintf("must hold 1 to %d messages", MaxSimBatch)}}
	}
	sim, id, err := s.sim(ctx, userID)
	if err != nil {
		return nil, err
	}
	return sim.Deliver(id, in)
}

// SimUnlink makes the caller's simulated phone unlink the device.
func (s *Service) SimUnlink(ctx context.Context, userID string) (whatsapp.State, error) {
	sim, id, err := s.sim(ctx, userID)
	if err != nil {
		return whatsapp.State{}, err
	}
	if err := sim.Unlink(id); err != nil {
		return whatsapp.State{}, err
	}
	return s.o.Sessions.Status(ctx, userID)
}

// SimSent lists what the caller's device sent through the simulated phone.
func (s *Service) SimSent(ctx context.Context, userID string) ([]store.Message, error) {
	sim, id, err := s.sim(ctx, userID)
	if err != nil {
		return nil, err
	}
	sent, err := sim.Sent(id)
	out := make([]store.Message, len(sent))
	for i, m := range sent {
		out[i] = store.Message{ChatID: m.ChatID, ID: m.ID, From: m.From, FromName: m.FromName, FromMe: m.FromMe,
			Type: string(m.Type), Text: m.Text, Timestamp: m.Timestamp}
	}
	return out, err
}
