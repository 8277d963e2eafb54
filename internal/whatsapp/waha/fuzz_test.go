package waha

import (
	"encoding/json"
	"testing"
)

// Webhook payloads are outside input: whatever WAHA (or anyone who learned
// the secret) sends, conversion must not panic, and what it keeps is a
// well-formed message.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{
		`{"id":"false_1@c.us_A","from":"1@c.us","body":"hi","timestamp":1700000000}`,
		`{"id":"true_1@g.us_B_2@c.us","from":"me@c.us","to":"1@g.us","fromMe":true,"participant":"2@c.us","body":"x"}`,
		`{"id":"C","from":"1@c.us","hasMedia":true,"media":{"url":"/api/files/x","mimetype":"audio/ogg","filename":"a.ogg"},"_data":{"message":{"audioMessage":{"ptt":true}}}}`,
		`{"id":"D","from":"1@c.us","location":{"latitude":"1.5","longitude":2.5,"description":"here"}}`,
		`{"id":"E","from":"1@c.us","vCards":["BEGIN:VCARD\nFN:Z\nEND:VCARD"],"_data":[1,2]}`,
		`{"id":"_","from":"status@broadcast","body":"story"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p payload
		if json.Unmarshal(b, &p) != nil {
			return
		}
		m, ok := convert(&p, &me{ID: "9@c.us", PushName: "Me"})
		if !ok {
			return
		}
		if m.ID == "" || m.ChatID == "" || !m.Type.Valid() {
			t.Fatalf("kept a malformed message %+v from %s", m, b)
		}
		if m.Type.HasMedia() != (m.Media != nil) {
			t.Fatalf("type %s with media %v", m.Type, m.Media)
		}
	})
}
