package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/store"
)

// PasswordFile is the name, in the data folder, of the file that keeps the
// demo account's password.
const PasswordFile = "demo-password"

// Credentials are the demo account and how to sign in to it.
type Credentials struct {
	User store.User
	// Password signs in to User; it is empty when Changed.
	Password string
	// Reset: the account existed but no password was on file (a folder
	// from an older demo, or the file was deleted), so it was given
	// Password. Say so: an old password stopped working.
	Reset bool
	// Changed: the password on file no longer signs in, because the person
	// changed it in Synapse; theirs stands.
	Changed bool
}

// Account makes sure the demo account exists (an administrator, so that the
// admin page shows too) and returns how to sign in. Its password is made up
// once and kept in passwordFile (mode 0600); later runs read it back, so it
// never changes behind the person's back. Only when the account exists and
// the file does not is the password set anew (Reset).
func Account(ctx context.Context, svc *auth.Service, st *store.Store, email, timezone, passwordFile string) (Credentials, error) {
	password, err := readPassword(passwordFile)
	kept := err == nil
	if errors.Is(err, os.ErrNotExist) {
		password, err = newPassword(), nil
	}
	if err != nil {
		return Credentials{}, err
	}
	u, err := st.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if !kept {
			if err := writePassword(passwordFile, password); err != nil {
				return Credentials{}, err
			}
		}
		u, err = svc.CreateUser(ctx, auth.Registration{Email: email, Password: password, Name: "Demo", Timezone: timezone, Admin: true})
		if err != nil {
			return Credentials{}, fmt.Errorf("demo: create account (password from %s): %w", passwordFile, err)
		}
		return Credentials{User: u, Password: password}, nil
	case err != nil:
		return Credentials{}, fmt.Errorf("demo: find account: %w", err)
	case kept:
		if ok, _ := auth.VerifyPassword(password, u.PasswordHash); !ok {
			return Credentials{User: u, Changed: true}, nil
		}
		return Credentials{User: u, Password: password}, nil
	}
	hash, err := auth.HashPassword(password, auth.DefaultPasswordParams)
	if err != nil {
		return Credentials{}, err
	}
	if err := writePassword(passwordFile, password); err != nil {
		return Credentials{}, err
	}
	if err := st.SetPassword(ctx, u.ID, hash); err != nil {
		return Credentials{}, fmt.Errorf("demo: set password: %w", err)
	}
	return Credentials{User: u, Password: password, Reset: true}, nil
}

func readPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("demo: read password: %w", err)
	}
	p := strings.TrimSpace(string(b))
	if p == "" {
		return "", fmt.Errorf("demo: %s is empty: delete it to have a new password made", path)
	}
	return p, nil
}

// writePassword keeps the password in path, readable by its owner only.
func writePassword(path, password string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("demo: keep password: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("demo: keep password: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("demo: keep password: %w", err)
	}
	return nil
}

// newPassword makes a password that is easy to type: "demo-" and two
// groups of four letters and digits.
func newPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	var s strings.Builder
	s.WriteString("demo-")
	for i, c := range b {
		if i == 4 {
			s.WriteByte('-')
		}
		s.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return s.String()
}
