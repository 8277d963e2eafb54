package service

import (
	"context"
	"errors"

	"github.com/synapse-kb/synapse/internal/store"
	"github.com/synapse-kb/synapse/internal/validate"
	"github.com/synapse-kb/synapse/internal/whatsapp"
)

// Status is the caller's WhatsApp session.
func (s *Service) Status(ctx context.Context, userID string) (whatsapp.State, error) {
	return s.o.Sessions.Status(ctx, userID)
}

// SessionOp is an operation on a session.
type SessionOp string

const (
	OpStart   SessionOp = "start"
	OpRestart SessionOp = "restart"
	OpStop    SessionOp = "stop"
	OpLogout  SessionOp = "logout"
)

// Session runs an operation on the caller's session. An unknown operation
// is not found.
func (s *Service) Session(ctx context.Context, userID string, op SessionOp) (whatsapp.State, error) {
	st, err := s.sessionOp(ctx, userID, op)
	if err == nil {
		s.o.Log.Info("session operation", "user_id", userID, "op", string(op))
	}
	return st, err
}

func (s *Service) sessionOp(ctx context.Context, userID string, op SessionOp) (whatsapp.State, error) {
	switch op {
	case OpStart:
		return s.o.Sessions.Start(ctx, userID)
	case OpRestart:
		return s.o.Sessions.Restart(ctx, userID)
	case OpStop:
		return s.o.Sessions.Stop(ctx, userID)
	case OpLogout:
		return s.o.Sessions.Logout(ctx, userID)
	}
	return whatsapp.State{}, store.ErrNotFound
}

// QR is the caller's current pairing code; it starts the session when
// needed and waits briefly for the first code. force starts a fresh
// pairing.
func (s *Service) QR(ctx context.Context, userID string, force bool) (whatsapp.QRCode, error) {
	return s.o.Sessions.QR(ctx, userID, force)
}

// CurrentQR is the code being shown while the session is pairing, without
// starting anything; ok is false when there is none.
func (s *Service) CurrentQR(ctx context.Context, userID string) (whatsapp.QRCode, bool) {
	st, err := s.o.Sessions.Status(ctx, userID)
	if err != nil || st.Status != whatsapp.StatusScanQR {
		return whatsapp.QRCode{}, false
	}
	q, err := s.o.Sessions.QR(ctx, userID, false)
	return q, err == nil
}

// PairPhone starts linking by phone number instead of a QR code: it
// returns the code to type on the phone with that number.
func (s *Service) PairPhone(ctx context.Context, userID, phone string) (string, error) {
	digits, ok := ParsePhone(phone)
	if !ok {
		return "", validate.Errors{{Field: "phone", Message: phoneMessage}}
	}
	return s.o.Sessions.PairPhone(ctx, userID, digits)
}

// ChatFilter selects chats: "" (all), "group" or "direct".
type ChatFilter string

// MaxChatQuery bounds a search of chat names (characters).
const MaxChatQuery = 100

// Chats lists the caller's chats and groups, most recent first.
func (s *Service) Chats(ctx context.Context, userID string, f ChatFilter, p Page) (List[store.Chat], error) {
	return s.FindChats(ctx, userID, f, "", p)
}

// FindChats lists the caller's chats and groups whose name or number
// contains q (case aside), most recent first, with unread counts and the
// newest message of each.
func (s *Service) FindChats(ctx context.Context, userID string, f ChatFilter, q string, p Page) (List[store.Chat], error) {
	kind := store.AllChats
	switch f {
	case "":
	case "group":
		kind = store.GroupsOnly
	case "direct":
		kind = store.DirectOnly
	default:
		return List[store.Chat]{}, validate.Errors{{Field: "type", Message: "must be group or direct"}}
	}
	opts, err := listOptions(p)
	if err != nil {
		return List[store.Chat]{}, err
	}
	var errs validate.Errors
	checkText(&errs, "q", &q, false, MaxChatQuery)
	if err := errs.Err(); err != nil {
		return List[store.Chat]{}, err
	}
	return listOf(s.o.Store.FindChats(ctx, userID, store.ChatQuery{Kind: kind, Q: q}, opts))
}

// MarkChatRead records that the person has read a chat up to now, for its
// unread count. It is Synapse's own mark: nothing is sent to WhatsApp.
func (s *Service) MarkChatRead(ctx context.Context, userID, chatID string) error {
	if err := checkIDs(chatID); err != nil {
		return err
	}
	now := s.o.Now()
	if u, err := s.o.Store.UserByID(ctx, userID); err == nil && u.SharePresence {
		// The person lets WhatsApp know: read receipts for what others
		// wrote since they last read the chat (best effort: the mark in
		// Synapse does not wait on WhatsApp).
		unread, err := s.o.Store.UnreadMessages(ctx, userID, chatID, MaxReadReceipts)
		if err == nil && len(unread) > 0 {
			marks := make([]whatsapp.ReadMark, len(unread))
			for i, m := range unread {
				marks[i] = whatsapp.ReadMark{ID: m.ID, Sender: m.From, Timestamp: m.Timestamp}
			}
			if err := s.o.Sessions.MarkRead(ctx, userID, chatID, marks); err != nil && !errors.Is(err, whatsapp.ErrNotConnected) && !errors.Is(err, whatsapp.ErrNotSupported) {
				s.o.Log.Warn("sending read receipts failed", "user_id", userID, "chat_id", chatID, "err", err)
			}
		}
	}
	return s.o.Store.MarkChatRead(ctx, userID, chatID, now)
}

// SetChatKept records whether the person keeps a chat. A chat not kept
// stores no new message: WhatsApp's deliveries are acknowledged and
// dropped. With purge, what the chat stored before goes too (PurgeChat).
func (s *Service) SetChatKept(ctx context.Context, userID, chatID string, keep *bool, purge bool) (store.Chat, error) {
	if err := checkIDs(chatID); err != nil {
		return store.Chat{}, err
	}
	if keep == nil {
		return store.Chat{}, validate.Errors{{Field: "keep", Message: "is required (true or false)"}}
	}
	c, err := s.o.Store.SetChatKept(ctx, userID, chatID, *keep)
	if err != nil || !purge {
		return c, err
	}
	return c, s.PurgeChat(ctx, userID, chatID)
}

// PurgeChat removes what a chat stored: its messages, their media and
// search entries, and what was made only from them, except items the
// person edited or completed.
func (s *Service) PurgeChat(ctx context.Context, userID, chatID string) error {
	if err := checkIDs(chatID); err != nil {
		return err
	}
	res, err := s.o.Store.PurgeChat(ctx, userID, chatID)
	if err != nil {
		return err
	}
	if s.o.Blobs != nil {
		for _, h := range res.FreedMedia {
			if err := s.o.Blobs.Delete(ctx, userID, h); err != nil {
				s.o.Log.Warn("service: deleting the media of a purged chat", "user_id", userID, "err", err)
			}
		}
	}
	s.o.Log.Info("chat purged", "user_id", userID, "removed", len(res.Removed), "media", len(res.FreedMedia))
	return nil
}

// Chat is one of the caller's chats.
func (s *Service) Chat(ctx context.Context, userID, chatID string) (store.Chat, error) {
	if err := checkIDs(chatID); err != nil {
		return store.Chat{}, err
	}
	return s.o.Store.GetChat(ctx, userID, chatID)
}

// Messages lists a chat's messages, newest first.
// MadeFrom says, per message of one of the user's chats, what Synapse
// made from it (tasks, notes, ideas, places, bookmarks, images, voice
// memos).
func (s *Service) MadeFrom(ctx context.Context, userID, chatID string, messageIDs []string) (map[string][]store.Made, error) {
	if err := checkIDs(chatID); err != nil {
		return nil, err
	}
	return s.o.Store.MadeFrom(ctx, userID, chatID, messageIDs)
}

func (s *Service) Messages(ctx context.Context, userID, chatID string, p Page) (List[store.Message], error) {
	if err := checkIDs(chatID); err != nil {
		return List[store.Message]{}, err
	}
	opts, err := listOptions(p)
	if err != nil {
		return List[store.Message]{}, err
	}
	return listOf(s.o.Store.ListMessages(ctx, userID, chatID, opts))
}
