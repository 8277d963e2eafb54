package service

import (
	"context"
	"fmt"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/validate"
)

// DeleteAccount deletes the caller's own account after checking their
// current password (auth.ErrBadCredentials when wrong). See deleteAccount
// for what goes.
func (s *Service) DeleteAccount(ctx context.Context, userID, password string) error {
	if password == "" {
		return validate.Errors{{Field: "password", Message: "is required: your current password"}}
	}
	if !cleanText(password) {
		return auth.ErrBadCredentials
	}
	if err := s.o.Auth.CheckPassword(ctx, userID, password); err != nil {
		return err
	}
	return s.deleteAccount(ctx, userID, userID)
}

// AdminDeleteUser deletes another person's account. Administrators cannot
// delete their own here (ErrSelf); they use DeleteAccount.
func (s *Service) AdminDeleteUser(ctx context.Context, callerID, userID string) error {
	u, err := s.AdminUser(ctx, callerID, userID)
	if err != nil {
		return err
	}
	if u.ID == callerID {
		return ErrSelf
	}
	return s.deleteAccount(ctx, u.ID, callerID)
}

// deleteAccount removes an account and everything of it:
//
//  1. its WhatsApp session is logged out (the linked device is unlinked on
//     the phone, where WhatsApp can be reached, and its device keys are
//     deleted); a logout that fails is logged and deletion goes on, since
//     the next step deletes the keys from the database anyway;
//  2. in one database transaction (store.DeleteUser): every row the user
//     owns, the device keys and session rows, the jobs queued for them,
//     their refresh tokens and web sessions, and the user row; their
//     access tokens and live streams end at once;
//  3. their media files (file store or S3).
//
// A failure in 3 leaves files without an account, never an account
// without files: it is logged with the user id, and the deletion can be
// finished by hand (docs/OPERATIONS.md).
func (s *Service) deleteAccount(ctx context.Context, userID, by string) error {
	log := s.o.Log.With("user_id", userID)
	if _, err := s.o.Sessions.Logout(ctx, userID); err != nil {
		log.Warn("account deletion: the WhatsApp logout failed; the device keys are deleted from the database anyway", "err", err)
	}
	if err := s.o.Auth.DeleteUser(ctx, userID); err != nil {
		return err
	}
	s.vectors.forget(userID) // their embeddings left the database with them
	if s.o.Blobs != nil {
		if err := s.o.Blobs.DeleteUser(ctx, userID); err != nil {
			log.Error("account deletion: the account is deleted but its media files are not", "err", err)
			return fmt.Errorf("service: delete media of %s: %w", userID, err)
		}
	}
	log.Info("account deleted", "by", by)
	return nil
}
