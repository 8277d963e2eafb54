// Package ai puts the language providers behind three small interfaces:
// [Transcriber] (speech to text), [Analyser] (text to tasks, notes, ideas and
// locations) and [Summariser] (a group's day to a short summary).
//
// The implementations here speak the OpenAI-compatible HTTP API, so they work
// with OpenAI itself and with self-hosted servers (Ollama, vLLM, LocalAI,
// whisper servers). They never retry on their own: every failure is returned
// at once, classified by [IsRetryable] and [RetryAfter], so that the durable
// job system decides when to try again.
package ai

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/synapse-kb/synapse/internal/knowledge"
)

// Transcript is the text of an audio recording.
type Transcript struct {
	// Text is the transcription; empty when the recording holds no speech.
	Text string
	// Language is the spoken language as a lowercase BCP 47 / ISO 639-1
	// code ("en", "de") when the server reports it, otherwise empty.
	// Whisper's language names ("english") are mapped to codes.
	Language string
	// Duration is the length of the audio when the server reports it,
	// otherwise 0.
	Duration time.Duration
}

// Transcriber turns recorded speech into text.
type Transcriber interface {
	// Transcribe sends the audio (read to the end, at most MaxAudioBytes)
	// under fileName with the given MIME type. fileName's extension tells
	// the server the format; when it lacks a known one, one is derived from
	// mimeType.
	Transcribe(ctx context.Context, audio io.Reader, fileName, mimeType string) (Transcript, error)
}

// Analyser extracts knowledge from a text someone wrote or dictated.
type Analyser interface {
	// ExtractItems returns the tasks, notes, ideas and locations in text.
	// Relative due dates ("tomorrow at 9") are resolved against now in loc
	// (nil means UTC). Items that fail validation are dropped; an answer
	// that is not JSON of the expected shape is an error wrapping
	// ErrInvalidAnswer. Empty text yields no items and no request.
	ExtractItems(ctx context.Context, text string, now time.Time, loc *time.Location) ([]knowledge.Item, error)
}

// Summariser summarises a group chat's day.
type Summariser interface {
	// SummariseDay summarises the day's messages in the group's own
	// language. No messages is an error wrapping ErrEmptyInput.
	SummariseDay(ctx context.Context, in DayInput) (Summary, error)
}

// DayInput is one group's messages of one day.
type DayInput struct {
	// Group is the group's display name.
	Group string
	// Date is the day; only its calendar date in Location counts.
	Date time.Time
	// Location is the time zone of the day and of the message times shown
	// to the model; nil means Date's own location.
	Location *time.Location
	// Messages in the order they were sent.
	Messages []DayMessage
}

// DayMessage is one message of a DayInput.
type DayMessage struct {
	Sender string
	Time   time.Time
	Text   string
}

// Summary is a summary of a group's day.
type Summary struct {
	Text string
	// Language is the BCP 47 tag of the summary's language as stated by the
	// model ("de", "pt-BR"), canonicalised; empty when it stated none that
	// parses.
	Language string
}

// Config configures one provider client.
type Config struct {
	// BaseURL is the API root including any version prefix, as in
	// "https://api.openai.com/v1" or "http://ollama:11434/v1"; endpoint
	// paths such as "audio/transcriptions" are resolved relative to it.
	// Required.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer"; empty sends none (most
	// self-hosted servers). It never appears in errors or logs.
	APIKey string
	// Model is the model name, e.g. "whisper-1" or "gpt-4o-mini". Required.
	Model string
	// Timeout bounds each request (connect, upload, answer). Zero means
	// 60 s for transcription and 45 s for chat models.
	Timeout time.Duration
	// HTTPClient is the client to use; nil uses a private client over a
	// clone of http.DefaultTransport (which honours proxy settings from the
	// environment). Its own Timeout, if any, also applies.
	HTTPClient *http.Client
	// Logger receives rare operational notes (a server without structured
	// output support); nil discards them.
	Logger *slog.Logger
}

// Default per-request timeouts and limits.
const (
	DefaultTranscribeTimeout = 60 * time.Second
	DefaultChatTimeout       = 45 * time.Second
	// MaxAudioBytes is the largest recording Transcribe sends (OpenAI's own
	// limit is 25 MB).
	MaxAudioBytes = 25 << 20
	// maxResponseBytes caps a successful response body.
	maxResponseBytes = 8 << 20
	// maxErrorBodyBytes caps how much of an error body is read.
	maxErrorBodyBytes = 64 << 10
)
