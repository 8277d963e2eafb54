package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// OpenAITranscriber is a Transcriber over an OpenAI-compatible
// POST {BaseURL}/audio/transcriptions endpoint. It is safe for concurrent use.
type OpenAITranscriber struct {
	p   *provider
	svc openai.AudioTranscriptionService
	// plainJSON is set once the server has rejected verbose_json; from then
	// on this client asks for plain json.
	plainJSON atomic.Bool
}

var _ Transcriber = (*OpenAITranscriber)(nil)

// NewTranscriber returns a transcriber for cfg (TRANSCRIBE_BASE_URL,
// TRANSCRIBE_API_KEY, TRANSCRIBE_MODEL). A missing or malformed setting is an
// error wrapping ErrNotConfigured that names the variable.
func NewTranscriber(cfg Config) (*OpenAITranscriber, error) {
	p, err := newProvider(cfg, transcribeSettings, DefaultTranscribeTimeout)
	if err != nil {
		return nil, err
	}
	return &OpenAITranscriber{p: p, svc: openai.NewAudioTranscriptionService(p.opts...)}, nil
}

const opTranscribe = "transcribe"

// Transcribe uploads the audio as multipart/form-data (fields file, model,
// response_format) and asks for verbose_json, which carries the language and
// duration. Servers that answer only {"text": …}, or plain text, are
// understood too; a server that rejects verbose_json (HTTP 400 naming
// response_format) is asked again once with json, and this client keeps
// asking for json from then on.
//
// The whole recording is read into memory first; more than MaxAudioBytes is
// an error wrapping ErrAudioTooLarge, none at all ErrEmptyInput.
func (t *OpenAITranscriber) Transcribe(ctx context.Context, audio io.Reader, fileName, mimeType string) (Transcript, error) {
	data, err := io.ReadAll(io.LimitReader(audio, MaxAudioBytes+1))
	if err != nil {
		return Transcript{}, fmt.Errorf("ai: transcribe: read audio: %w", err)
	}
	if len(data) > MaxAudioBytes {
		return Transcript{}, fmt.Errorf("%w (%d bytes max)", ErrAudioTooLarge, MaxAudioBytes)
	}
	if len(data) == 0 {
		return Transcript{}, fmt.Errorf("ai: transcribe: %w: no audio bytes", ErrEmptyInput)
	}
	name := audioFileName(fileName, mimeType)
	if mimeType == "" {
		mimeType = "application/octet-stream"
	}

	for {
		format := openai.AudioResponseFormatVerboseJSON
		if t.plainJSON.Load() {
			format = openai.AudioResponseFormatJSON
		}
		var raw []byte
		err := t.p.call(ctx, opTranscribe, func(ctx context.Context) error {
			_, err := t.svc.New(ctx, openai.AudioTranscriptionNewParams{
				File:           openai.File(bytes.NewReader(data), name, mimeType),
				Model:          t.p.model,
				ResponseFormat: format,
			}, option.WithResponseBodyInto(&raw))
			return err
		})
		if err != nil {
			if format == openai.AudioResponseFormatVerboseJSON && rejectsParam(err, "response_format", "verbose_json") {
				t.plainJSON.Store(true)
				t.p.log.Info("transcription server rejects verbose_json; asking for json from now on",
					"provider", t.p.name, "model", t.p.model)
				continue
			}
			return Transcript{}, err
		}
		tr, err := decodeTranscript(raw)
		if err != nil {
			return Transcript{}, t.p.invalid(opTranscribe, err)
		}
		return tr, nil
	}
}

// decodeTranscript reads verbose_json, json ({"text"}) or a plain text body.
func decodeTranscript(raw []byte) (Transcript, error) {
	body := bytes.TrimSpace(raw)
	if len(body) == 0 || body[0] != '{' {
		var s string
		if len(body) > 0 && body[0] == '"' && json.Unmarshal(body, &s) == nil {
			return Transcript{Text: strings.TrimSpace(s)}, nil
		}
		// A server that ignores response_format and answers text/plain.
		return Transcript{Text: strings.TrimSpace(string(body))}, nil
	}
	var v struct {
		Text     *string         `json:"text"`
		Language string          `json:"language"`
		Duration json.RawMessage `json:"duration"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return Transcript{}, fmt.Errorf("transcription is not JSON: %w", err)
	}
	if v.Text == nil {
		return Transcript{}, errors.New(`transcription has no "text"`)
	}
	tr := Transcript{Text: strings.TrimSpace(*v.Text), Language: normalizeLanguage(v.Language)}
	if secs, ok := jsonSeconds(v.Duration); ok {
		tr.Duration = time.Duration(secs * float64(time.Second))
	}
	return tr, nil
}

// jsonSeconds accepts a number or a numeric string.
func jsonSeconds(raw json.RawMessage) (float64, bool) {
	var f float64
	if json.Unmarshal(raw, &f) == nil && f >= 0 && f < 1e7 {
		return f, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < 1e7 {
			return f, true
		}
	}
	return 0, false
}

// audioExt maps MIME types to the file extensions transcription servers
// recognise (OpenAI: flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm).
var audioExt = map[string]string{
	"audio/ogg":    ".ogg",
	"audio/opus":   ".ogg",
	"audio/mpeg":   ".mp3",
	"audio/mp3":    ".mp3",
	"audio/mp4":    ".m4a",
	"audio/m4a":    ".m4a",
	"audio/x-m4a":  ".m4a",
	"audio/aac":    ".m4a",
	"audio/wav":    ".wav",
	"audio/x-wav":  ".wav",
	"audio/wave":   ".wav",
	"audio/webm":   ".webm",
	"audio/flac":   ".flac",
	"audio/x-flac": ".flac",
	"video/mp4":    ".mp4",
	"video/webm":   ".webm",
}

var knownAudioExt = map[string]bool{
	".flac": true, ".mp3": true, ".mp4": true, ".mpeg": true, ".mpga": true,
	".m4a": true, ".ogg": true, ".oga": true, ".wav": true, ".webm": true,
}

// audioFileName returns the name to upload: the base of fileName when its
// extension is one servers know, otherwise fileName (or "audio") with the
// extension of mimeType. WhatsApp's ".opus" voice notes become ".ogg", the
// container they are in.
func audioFileName(fileName, mimeType string) string {
	base := path.Base(strings.ReplaceAll(fileName, "\\", "/"))
	if base == "." || base == "/" || base == "" {
		base = "audio"
	}
	ext := strings.ToLower(path.Ext(base))
	if knownAudioExt[ext] {
		return base
	}
	stem := strings.TrimSuffix(base, path.Ext(base))
	if stem == "" {
		stem = "audio"
	}
	mt, _, _ := mime.ParseMediaType(mimeType)
	if e, ok := audioExt[mt]; ok {
		return stem + e
	}
	if ext == ".opus" {
		return stem + ".ogg"
	}
	return base
}

// invalid reports a 2xx response that could not be understood.
func (p *provider) invalid(op string, err error) *ProviderError {
	return &ProviderError{
		Op: op, Provider: p.name, Model: p.model,
		Message: shorten(p.redact(err.Error()), 300),
		err:     fmt.Errorf("%w: %w", ErrInvalidResponse, err),
	}
}

// rejectsParam reports whether err is the server refusing a request
// parameter: HTTP 400 or 422 whose message, param or code names one of
// words.
func rejectsParam(err error, words ...string) bool {
	var pe *ProviderError
	if !errors.As(err, &pe) || (pe.StatusCode != 400 && pe.StatusCode != 422) {
		return false
	}
	text := strings.ToLower(pe.Message + " " + pe.Param + " " + pe.Code)
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}
