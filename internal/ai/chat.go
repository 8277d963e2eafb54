package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// outputMode is how a chat client asks for structured output. Modes only
// ever step down, once per client, when the server rejects one.
type outputMode int32

const (
	// modeJSONSchema sends response_format {type: json_schema, strict: true}.
	modeJSONSchema outputMode = iota
	// modeJSONObject sends response_format {type: json_object} and puts the
	// schema in the system prompt.
	modeJSONObject
	// modePlain sends no response_format; the schema is in the prompt and
	// the first JSON object in the answer is taken.
	modePlain
)

func (m outputMode) String() string {
	switch m {
	case modeJSONSchema:
		return "json_schema"
	case modeJSONObject:
		return "json_object"
	}
	return "plain"
}

// chatClient talks to an OpenAI-compatible /chat/completions endpoint and
// remembers which structured-output mode the server accepts.
type chatClient struct {
	p    *provider
	svc  openai.ChatCompletionService
	mode atomic.Int32
}

func newChatClient(cfg Config) (*chatClient, error) {
	p, err := newProvider(cfg, llmSettings, DefaultChatTimeout)
	if err != nil {
		return nil, err
	}
	return &chatClient{p: p, svc: openai.NewChatCompletionService(p.opts...)}, nil
}

// jsonSchema is a named JSON Schema for a structured answer.
type jsonSchema struct {
	name   string
	schema map[string]any
}

// completeJSON asks the model for a JSON answer under schema and returns the
// JSON object it answered with (not yet checked beyond being an object). A
// server that rejects the current mode's response_format (HTTP 400 naming
// response_format, json_schema or json_object) is asked again in the next
// mode, and the client stays in that mode.
func (c *chatClient) completeJSON(ctx context.Context, op, system, user string, sch jsonSchema, accept func([]byte) bool) ([]byte, error) {
	mode := outputMode(c.mode.Load())
	for {
		answer, finish, err := c.complete(ctx, op, mode, system, user, sch)
		if err != nil {
			if mode < modePlain && rejectsParam(err, "response_format", "json_schema", "json_object", "structured output") {
				next := mode + 1
				if c.mode.CompareAndSwap(int32(mode), int32(next)) {
					c.p.log.Info("chat server rejects response_format; falling back",
						"provider", c.p.name, "model", c.p.model, "from", mode.String(), "to", next.String())
				}
				mode = next
				continue
			}
			return nil, err
		}
		obj, ok := findJSONObject(answer, accept)
		if !ok {
			msg := "answer is not a JSON object of the requested shape"
			if finish == "length" {
				msg += " (cut off: finish_reason=length)"
			}
			return nil, &ProviderError{
				Op: op, Provider: c.p.name, Model: c.p.model,
				Message: msg + ": " + shorten(c.p.redact(collapseSpace(answer)), 200),
				err:     ErrInvalidAnswer,
			}
		}
		return obj, nil
	}
}

// complete makes one chat completion request and returns the first choice's
// content and finish reason.
func (c *chatClient) complete(ctx context.Context, op string, mode outputMode, system, user string, sch jsonSchema) (string, string, error) {
	params := openai.ChatCompletionNewParams{Model: c.p.model}
	switch mode {
	case modeJSONSchema:
		params.ResponseFormat.OfJSONSchema = &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
				Name:   sch.name,
				Strict: openai.Bool(true),
				Schema: sch.schema,
			},
		}
	case modeJSONObject:
		params.ResponseFormat.OfJSONObject = &shared.ResponseFormatJSONObjectParam{}
		system += schemaInstructions(sch)
	default:
		system += schemaInstructions(sch)
	}
	params.Messages = []openai.ChatCompletionMessageParamUnion{
		openai.SystemMessage(system),
		openai.UserMessage(user),
	}

	var raw []byte
	err := c.p.call(ctx, op, func(ctx context.Context) error {
		_, err := c.svc.New(ctx, params, option.WithResponseBodyInto(&raw))
		return err
	})
	if err != nil {
		return "", "", err
	}
	var resp openai.ChatCompletion
	if err := json.Unmarshal(raw, &resp); err != nil {
		return "", "", c.p.invalid(op, fmt.Errorf("chat completion is not JSON: %w", err))
	}
	if len(resp.Choices) == 0 {
		return "", "", c.p.invalid(op, errors.New("chat completion has no choices"))
	}
	msg := resp.Choices[0].Message
	if msg.Refusal != "" {
		return "", "", &ProviderError{
			Op: op, Provider: c.p.name, Model: c.p.model,
			Message: "refused: " + shorten(c.p.redact(msg.Refusal), 300),
			err:     ErrRefused,
		}
	}
	c.p.log.Debug("chat completion", "op", op, "mode", mode.String(),
		"prompt_tokens", resp.Usage.PromptTokens, "completion_tokens", resp.Usage.CompletionTokens)
	return msg.Content, resp.Choices[0].FinishReason, nil
}

// schemaInstructions is the prompt text that replaces response_format when
// the server does not support structured output.
func schemaInstructions(sch jsonSchema) string {
	b, _ := json.Marshal(sch.schema)
	return "\n\nAnswer with a single JSON object and nothing else (no prose, no code fences). " +
		"It must be valid against this JSON Schema:\n" + string(b)
}

// findJSONObject returns the answer as JSON when the whole answer (perhaps
// inside a Markdown code fence) is an object that accept takes; otherwise the
// first object embedded in the text that accept takes.
func findJSONObject(answer string, accept func([]byte) bool) ([]byte, bool) {
	s := strings.TrimSpace(answer)
	if obj, ok := decodeObject([]byte(s)); ok && accept(obj) {
		return obj, true
	}
	const maxTries = 64
	tries := 0
	for i := 0; i < len(s) && tries < maxTries; i++ {
		if s[i] != '{' {
			continue
		}
		tries++
		dec := json.NewDecoder(strings.NewReader(s[i:]))
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			continue
		}
		if obj, ok := decodeObject(raw); ok && accept(obj) {
			return obj, true
		}
	}
	return nil, false
}

// decodeObject reports whether b is exactly one JSON object.
func decodeObject(b []byte) ([]byte, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return nil, false
	}
	return b, true
}
