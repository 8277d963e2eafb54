package ai

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// testdata/voice-note.ogg is a real 2.5 s Ogg/Opus voice note (4.6 KB),
// made with:
//
//	espeak-ng -s 170 -w note.wav "Remind me to buy milk tomorrow at nine."
//	opusenc --bitrate 12 --downmix-mono note.wav voice-note.ogg
func voiceNote(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/voice-note.ogg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("OggS")) || !bytes.Contains(b[:100], []byte("OpusHead")) {
		t.Fatal("testdata/voice-note.ogg is not an Ogg/Opus file")
	}
	return b
}

// verboseTranscription is a verbose_json answer as whisper-1 sends it.
const verboseTranscription = `{
  "task": "transcribe",
  "language": "english",
  "duration": 2.47,
  "text": "Remind me to buy milk tomorrow at nine.",
  "segments": [{
    "id": 0, "seek": 0, "start": 0.0, "end": 2.4,
    "text": " Remind me to buy milk tomorrow at nine.",
    "tokens": [50364, 4080, 471, 385, 281, 2256, 5392, 4153, 412, 4949, 13, 50484],
    "temperature": 0.0, "avg_logprob": -0.21, "compression_ratio": 0.83, "no_speech_prob": 0.012
  }],
  "usage": {"type": "duration", "seconds": 3}
}`

func TestTranscribeVoiceNote(t *testing.T) {
	t.Parallel()
	audio := voiceNote(t)
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, verboseTranscription)
	})
	tr, err := NewTranscriber(api.config())
	if err != nil {
		t.Fatal(err)
	}
	got, err := tr.Transcribe(context.Background(), bytes.NewReader(audio), "note.ogg", "audio/ogg; codecs=opus")
	if err != nil {
		t.Fatal(err)
	}
	want := Transcript{Text: "Remind me to buy milk tomorrow at nine.", Language: "en", Duration: 2470 * time.Millisecond}
	if got != want {
		t.Errorf("transcript = %+v, want %+v", got, want)
	}

	reqs := api.requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/v1/audio/transcriptions" {
		t.Errorf("request = %s %s, want POST /v1/audio/transcriptions", r.Method, r.Path)
	}
	if h := r.Header.Get("Authorization"); h != "Bearer "+testKey {
		t.Errorf("Authorization = %q", h)
	}
	if !bytes.Equal(r.File, audio) {
		t.Errorf("server got %d file bytes that differ from the %d sent", len(r.File), len(audio))
	}
	if r.FileName != "note.ogg" || r.FileType != "audio/ogg; codecs=opus" {
		t.Errorf("file part = %q (%q), want note.ogg (audio/ogg; codecs=opus)", r.FileName, r.FileType)
	}
	if r.Fields["model"] != "test-model" || r.Fields["response_format"] != "verbose_json" {
		t.Errorf("fields = %v, want model=test-model response_format=verbose_json", r.Fields)
	}
}

func TestTranscribeResponseShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
		body        string
		want        Transcript
	}{
		{"json text only", "application/json", `{"text":"Hallo zusammen.","usage":{"type":"duration","seconds":2}}`,
			Transcript{Text: "Hallo zusammen."}},
		{"verbose with code and string duration", "application/json", `{"text":" Hola ","language":"es","duration":"12.5"}`,
			Transcript{Text: "Hola", Language: "es", Duration: 12500 * time.Millisecond}},
		{"plain text body", "text/plain; charset=utf-8", "Bonjour à tous.\n",
			Transcript{Text: "Bonjour à tous."}},
		{"silence", "application/json", `{"text":""}`, Transcript{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = io.WriteString(w, tc.body)
			})
			tr, err := NewTranscriber(api.config())
			if err != nil {
				t.Fatal(err)
			}
			got, err := tr.Transcribe(context.Background(), strings.NewReader("fake audio"), "a.ogg", "audio/ogg")
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("transcript = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestTranscribeInvalidResponse(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"segments":[]}`)
	})
	tr, _ := NewTranscriber(api.config())
	_, err := tr.Transcribe(context.Background(), strings.NewReader("x"), "a.ogg", "audio/ogg")
	if !errors.Is(err, ErrInvalidResponse) || IsRetryable(err) {
		t.Errorf("err = %v, want a permanent ErrInvalidResponse", err)
	}
}

// A server that only does json (gpt-4o-transcribe) is asked once more with
// json, and from then on with json only.
func TestTranscribeVerboseRejected(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.FormValue("response_format") == "verbose_json" {
			writeJSON(w, 400, apiError("response_format 'verbose_json' is not compatible with model 'gpt-4o-transcribe'. Use 'json' or 'text' instead.",
				"invalid_request_error", "response_format", "unsupported_value"))
			return
		}
		writeJSON(w, 200, `{"text":"Buy milk.","usage":{"type":"tokens","input_tokens":14,"output_tokens":4,"total_tokens":18}}`)
	})
	tr, _ := NewTranscriber(api.config())
	for i := range 2 {
		got, err := tr.Transcribe(context.Background(), strings.NewReader("audio"), "a.ogg", "audio/ogg")
		if err != nil || got.Text != "Buy milk." {
			t.Fatalf("call %d: %+v, %v", i, got, err)
		}
	}
	var formats []string
	for _, r := range api.requests() {
		formats = append(formats, r.Fields["response_format"])
	}
	if strings.Join(formats, ",") != "verbose_json,json,json" {
		t.Errorf("response_format sequence = %v, want verbose_json,json,json", formats)
	}
}

func TestTranscribeInputLimits(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"text":"x"}`)
	})
	tr, _ := NewTranscriber(api.config())
	if _, err := tr.Transcribe(context.Background(), strings.NewReader(""), "a.ogg", "audio/ogg"); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("empty audio: err = %v, want ErrEmptyInput", err)
	}
	big := io.LimitReader(zeros{}, MaxAudioBytes+1)
	if _, err := tr.Transcribe(context.Background(), big, "a.ogg", "audio/ogg"); !errors.Is(err, ErrAudioTooLarge) {
		t.Errorf("large audio: err = %v, want ErrAudioTooLarge", err)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("server got %d requests, want none", n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestAudioFileName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, mime, want string }{
		{"note.ogg", "audio/ogg; codecs=opus", "note.ogg"},
		{"AUDIO-2026.OGG", "", "AUDIO-2026.OGG"},
		{"ptt-123.opus", "audio/ogg; codecs=opus", "ptt-123.ogg"},
		{"ptt-123.opus", "", "ptt-123.ogg"},
		{"voice", "audio/mpeg", "voice.mp3"},
		{"", "audio/mp4", "audio.m4a"},
		{"../../etc/passwd", "audio/wav", "passwd.wav"},
		{"memo.bin", "application/octet-stream", "memo.bin"},
	}
	for _, tc := range tests {
		if got := audioFileName(tc.name, tc.mime); got != tc.want {
			t.Errorf("audioFileName(%q, %q) = %q, want %q", tc.name, tc.mime, got, tc.want)
		}
	}
}

func TestNormalizeLanguage(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"english": "en", "German": "de", "de": "de", "pt_BR": "pt-BR", "pt-br": "pt-BR",
		"zh-hant": "zh-Hant", "": "", "klingon!": "", "und": "",
	} {
		if got := normalizeLanguage(in); got != want {
			t.Errorf("normalizeLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}
