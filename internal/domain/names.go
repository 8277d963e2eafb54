package domain

import "strings"

// PhoneNumber is the phone number of a person's JID, "+<digits>"
// ("351910000053@s.whatsapp.net" → "+351910000053"), or "" for a JID that
// names no phone number (a group, a LID).
func PhoneNumber(jid string) string {
	user, server, ok := strings.Cut(jid, "@")
	if !ok || server != "s.whatsapp.net" {
		return ""
	}
	user, _, _ = strings.Cut(user, ":") // device suffix
	if user == "" || strings.Trim(user, "0123456789") != "" {
		return ""
	}
	return "+" + user
}
