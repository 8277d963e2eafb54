package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/store"
)

// Ask.

type askData struct {
	// The question as asked, with its scope.
	Question, Chat, Sender, From, To string
	Chats                            []store.Chat
	Asked                            bool
	Result                           service.AskResult
	// Parts is the answer with its citation marks as links.
	Parts  []answerPart
	Labels map[string]string
	Error  string
	Errors formErrors
	// HasModel and HasEmbeddings say what this server answers with.
	HasModel, HasEmbeddings bool
}

// answerPart is a run of the answer's text, or (N > 0) a citation mark.
type answerPart struct {
	Text string
	N    int
}

var citeMark = regexp.MustCompile(`\[(\d{1,3})\]`)

// answerParts splits an answer at its citation marks; marks of numbers
// that are not among the citations stay text.
func answerParts(answer string, cited map[int]bool) []answerPart {
	var out []answerPart
	last := 0
	for _, m := range citeMark.FindAllStringSubmatchIndex(answer, -1) {
		n, _ := strconv.Atoi(answer[m[2]:m[3]])
		if !cited[n] {
			continue
		}
		if m[0] > last {
			out = append(out, answerPart{Text: answer[last:m[0]]})
		}
		out = append(out, answerPart{N: n})
		last = m[1]
	}
	if last < len(answer) {
		out = append(out, answerPart{Text: answer[last:]})
	}
	return out
}

func (h *Handler) askPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	h.renderAsk(w, r, v, askData{Chat: r.URL.Query().Get("chat")}, http.StatusOK)
}

func (h *Handler) ask(w http.ResponseWriter, r *http.Request, v *viewer) {
	d := askData{Question: strings.TrimSpace(r.PostFormValue("question")), Chat: r.PostFormValue("chat"),
		Sender: strings.TrimSpace(r.PostFormValue("sender")), From: r.PostFormValue("from"), To: r.PostFormValue("to")}
	status := http.StatusOK
	res, err := h.o.Service.Ask(r.Context(), v.User.ID, service.AskQuery{Question: d.Question, ChatID: d.Chat, Sender: d.Sender, From: d.From, To: d.To})
	var limited *service.AskLimitError
	if fe, invalid := fieldErrors(err); invalid {
		d.Errors, status = fe, http.StatusBadRequest
	} else if errors.As(err, &limited) {
		d.Error, status = fmt.Sprintf("You have asked many questions in a short time. Ask again in %s.", limited.RetryAfter.Round(time.Second)), http.StatusTooManyRequests
	} else if errors.Is(err, store.ErrNotFound) {
		d.Errors, status = formErrors{"chat": "is not one of your chats"}, http.StatusBadRequest
	} else if err != nil {
		h.fail(w, r, v, err)
		return
	} else {
		d.Asked, d.Result = true, res
		if res.Answer != nil {
			cited := map[int]bool{}
			for _, c := range res.Citations {
				cited[c.N] = true
			}
			d.Parts = answerParts(*res.Answer, cited)
		}
	}
	h.renderAsk(w, r, v, d, status)
}

func (h *Handler) renderAsk(w http.ResponseWriter, r *http.Request, v *viewer, d askData, status int) {
	chats, err := h.o.Service.Chats(r.Context(), v.User.ID, "", service.Page{Limit: store.MaxPageSize})
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.Chats = chats.Items
	d.HasModel, d.HasEmbeddings = h.o.Service.HasAnswerer(), h.o.Service.HasEmbedder()
	d.Labels = map[string]string{}
	for _, c := range d.Result.Citations {
		d.Labels[string(c.Kind)] = c.Kind.Label()
	}
	h.render(w, r, v, status, "ask", &page{Title: "Ask", Nav: "ask", Data: d})
}
