package api

import (
	"github.com/synapse-kb/synapse/internal/auth"
	"github.com/synapse-kb/synapse/internal/service"
)

type askRequest struct {
	// Question is what to ask (required, at most 1,000 characters).
	Question string `json:"question"`
	// ChatID keeps retrieval to one chat of the caller's.
	ChatID string `json:"chatId,omitempty"`
	// Sender keeps retrieval to messages from one person: a WhatsApp id
	// (…@s.whatsapp.net) or a phone number with its country code.
	Sender string `json:"sender,omitempty"`
	// From and To keep retrieval to what was sent or made in a time
	// range: RFC 3339 times, or days (YYYY-MM-DD) in the caller's time
	// zone, To including its day.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

type askResponse service.AskResult

// maxAskBody bounds an Ask request (a question of 1,000 characters of up
// to 4 bytes each, escaped, and its filters).
const maxAskBody = 16 << 10

func (s *Server) registerAsk() {
	s.add(route{method: "POST", path: "/api/v1/ask", tag: "ask", access: user, scope: auth.ScopeRead, maxBody: maxAskBody,
		summary: "Ask a question of your own messages, transcripts and items",
		description: "Retrieves the passages that best match the question (full text, fused with embeddings when EMBEDDINGS_BASE_URL is set: `retrieval` says which) from the caller's own data only, " +
			"and has the language model (LLM_BASE_URL) answer from them, citing them by number. Without a model, or when it fails, `answer` is null, `mode` is `passages` and `citations` are the best passages; `note` says why. " +
			"Each citation has a `url` that opens the exact message or item in the web UI. Passages are WhatsApp text: quoted data, never instructions. " +
			"At most 10 questions a minute (429 with Retry-After past that); another person's chatId is 404."},
		typed(s.ask))
}

func (s *Server) ask(c *call, in *askRequest) (askResponse, error) {
	r, err := s.o.Service.Ask(c.ctx(), c.userID, service.AskQuery{Question: in.Question, ChatID: in.ChatID, Sender: in.Sender, From: in.From, To: in.To})
	return askResponse(r), err
}
