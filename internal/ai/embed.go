package ai

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Embedder turns texts into vectors for semantic retrieval.
type Embedder interface {
	// Embed returns one vector per text, in order, all of one dimension.
	// No texts is no request.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Model names the model (vectors of different models do not compare).
	Model() string
}

// DefaultEmbedTimeout bounds one embeddings request.
const DefaultEmbedTimeout = 30 * time.Second

// MaxEmbedBatch is the most texts one Embed request sends.
const MaxEmbedBatch = 128

var embedSettings = settingNames{"EMBEDDINGS_BASE_URL", "EMBEDDINGS_MODEL"}

// OpenAIEmbedder is an Embedder over an OpenAI-compatible /embeddings
// endpoint (OpenAI, Ollama, vLLM, LocalAI, text-embeddings-inference). It is
// safe for concurrent use.
type OpenAIEmbedder struct {
	p   *provider
	svc openai.EmbeddingService
}

var _ Embedder = (*OpenAIEmbedder)(nil)

// NewEmbedder returns an embedder for cfg (EMBEDDINGS_BASE_URL,
// EMBEDDINGS_API_KEY, EMBEDDINGS_MODEL). A missing or malformed setting is an
// error wrapping ErrNotConfigured that names the variable.
func NewEmbedder(cfg Config) (*OpenAIEmbedder, error) {
	p, err := newProvider(cfg, embedSettings, DefaultEmbedTimeout)
	if err != nil {
		return nil, err
	}
	return &OpenAIEmbedder{p: p, svc: openai.NewEmbeddingService(p.opts...)}, nil
}

// Model implements Embedder.
func (e *OpenAIEmbedder) Model() string { return e.p.model }

const opEmbed = "embed"

// Embed implements Embedder. Callers batch: more than MaxEmbedBatch texts
// is refused before any request. An answer with another number of vectors,
// or vectors of different dimensions, wraps ErrInvalidResponse.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	if len(texts) > MaxEmbedBatch {
		return nil, fmt.Errorf("ai: %s: %d texts, at most %d in one request", opEmbed, len(texts), MaxEmbedBatch)
	}
	in := make([]string, len(texts))
	for i, t := range texts {
		in[i] = t
		if in[i] == "" {
			in[i] = " " // an empty input is refused by OpenAI
		}
	}
	params := openai.EmbeddingNewParams{
		Model:          openai.EmbeddingModel(e.p.model),
		Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: in},
		EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
	}
	var raw []byte
	err := e.p.call(ctx, opEmbed, func(ctx context.Context) error {
		_, err := e.svc.New(ctx, params, option.WithResponseBodyInto(&raw))
		return err
	})
	if err != nil {
		return nil, err
	}
	var resp struct {
		Data []struct {
			Index     int             `json:"index"`
			Embedding json.RawMessage `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return nil, e.p.invalid(opEmbed, fmt.Errorf("embeddings answer is not JSON: %w", err))
	}
	if len(resp.Data) != len(texts) {
		return nil, e.p.invalid(opEmbed, fmt.Errorf("%d vectors for %d texts", len(resp.Data), len(texts)))
	}
	out := make([][]float32, len(texts))
	dim := -1
	for i, d := range resp.Data {
		idx := d.Index
		if idx < 0 || idx >= len(out) || out[idx] != nil {
			idx = i // servers that leave index out answer in order
		}
		v, err := decodeEmbedding(d.Embedding)
		if err != nil {
			return nil, e.p.invalid(opEmbed, err)
		}
		if dim >= 0 && len(v) != dim {
			return nil, e.p.invalid(opEmbed, errors.New("vectors of different dimensions"))
		}
		dim = len(v)
		out[idx] = v
	}
	for _, v := range out {
		if v == nil {
			return nil, e.p.invalid(opEmbed, errors.New("a text has no vector"))
		}
	}
	return out, nil
}

// decodeEmbedding reads a vector as a JSON array of numbers or as base64 of
// float32 little-endian.
func decodeEmbedding(raw json.RawMessage) ([]float32, error) {
	var f []float64
	if err := json.Unmarshal(raw, &f); err == nil {
		if len(f) == 0 {
			return nil, errors.New("empty vector")
		}
		v := make([]float32, len(f))
		for i, x := range f {
			v[i] = float32(x)
		}
		return v, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errors.New("embedding is neither numbers nor base64")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b)%4 != 0 {
		return nil, errors.New("embedding is not base64 of float32 values")
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
