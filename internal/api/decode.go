package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/synapse-kb/synapse/internal/service"
	"github.com/synapse-kb/synapse/internal/validate"
)

// decodeJSON reads a JSON object body into dst. The body is size-limited;
// syntax and type errors name where they are. Unknown fields are ignored,
// so that older and newer clients keep working.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
				"send the body as application/json")
		}
	}
	if limit <= 0 {
		limit = s.o.MaxBodyBytes
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			return err
		}
		return problem(http.StatusBadRequest, "invalid-json", "Invalid JSON", "the body must hold exactly one JSON value")
	}
	return nil
}

func jsonProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return err
	case errors.Is(err, io.EOF):
		return problem(http.StatusBadRequest, "invalid-json", "Invalid JSON", "the request body is empty; send a JSON object")
	case errors.As(err, &syntax):
		return problem(http.StatusBadRequest, "invalid-json", "Invalid JSON", fmt.Sprintf("malformed JSON at byte %d", syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problem(http.StatusBadRequest, "invalid-json", "Invalid JSON", "the JSON body ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return problem(http.StatusBadRequest, "invalid-json", "Invalid JSON", fmt.Sprintf("the body must be %s in JSON, not %s", jsonKind(typ.Type.Kind().String()), typ.Value))
		}
		p := problem(http.StatusBadRequest, "validation-error", "Invalid input", fmt.Sprintf("%s must be %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value))
		p.Errors = validate.Errors{{Field: field, Message: "must be " + jsonKind(typ.Type.Kind().String())}}
		return p
	}
	return problem(http.StatusBadRequest, "invalid-json", "Invalid JSON", err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "int", "int64", "int32", "uint", "uint64", "uint32", "float64", "float32":
		return "a number"
	}
	return "of another type"
}

// pageOf reads ?limit= and ?cursor=. A limit that is not a positive whole
// number is passed on as -1, which the service refuses by name.
func pageOf(r *http.Request) service.Page {
	q := r.URL.Query()
	p := service.Page{Cursor: q.Get("cursor")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			n = -1
		}
		p.Limit = n
	}
	return p
}

func boolQuery(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, validate.Errors{{Field: name, Message: "must be true or false"}}
	}
	return b, nil
}
