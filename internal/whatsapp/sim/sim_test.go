package sim

import (
	"strings"
	"testing"
)

func TestNormalizeChat(t *testing.T) {
	cases := []struct {
		in    string
		group bool
		want  string
		ok    bool
	}{
		{"+44 7700 900001", false, "447700900001@s.whatsapp.net", true},
		{"447700900001@s.whatsapp.net", false, "447700900001@s.whatsapp.net", true},
		{"447700900001@c.us", false, "447700900001@s.whatsapp.net", true},
		{"120363000001", true, "120363000001@g.us", true},
		{"120363000001@g.us", false, "120363000001@g.us", true},
		{"1234-5678", true, "1234-5678@g.us", true},
		{"call me", false, "", false},
		{"12", false, "", false},
		{"", true, "", false},
		{"a/b", true, "", false},
	}
	for _, c := range cases {
		got, g, err := NormalizeChat(c.in, c.group)
		if (err == nil) != c.ok || got != c.want || (c.ok && g != strings.HasSuffix(c.want, "@g.us")) {
			t.Errorf("NormalizeChat(%q, %v) = %q, %v, %v", c.in, c.group, got, g, err)
		}
	}
}

func FuzzNormalizeChat(f *testing.F) {
	f.Add("+55 11 99999-0001", false)
	f.Add("120363@g.us", false)
	f.Add("x@s.whatsapp.net", true)
	f.Fuzz(func(t *testing.T, in string, group bool) {
		jid, isGroup, err := NormalizeChat(in, group)
		if err != nil {
			return
		}
		if isGroup != strings.HasSuffix(jid, "@g.us") || (!isGroup && !strings.HasSuffix(jid, "@s.whatsapp.net")) {
			t.Fatalf("NormalizeChat(%q) = %q group=%v", in, jid, isGroup)
		}
		again, _, err := NormalizeChat(jid, false)
		if err != nil || again != jid {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", in, jid, again, err)
		}
	})
}

func TestGeneratedMediaIsReal(t *testing.T) {
	png, w, h := generateImage()
	if w != 320 || h != 240 || string(png[1:4]) != "PNG" {
		t.Fatal("generated image is not a PNG of the stated size")
	}
	if string(voiceNote[:4]) != "OggS" || !strings.Contains(string(voiceNote[:64]), "OpusHead") {
		t.Fatal("voice note is not OGG/Opus")
	}
	pdf := generatePDF("a (test)")
	if !strings.HasPrefix(string(pdf), "%PDF-1.4") || !strings.HasSuffix(string(pdf), "%%EOF\n") || !strings.Contains(string(pdf), `a \(test\)`) {
		t.Fatalf("PDF: %s", pdf)
	}
}
