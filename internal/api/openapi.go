package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
)

var pathParam = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

// openAPI generates the OpenAPI 3 document from the route table, with
// schemas reflected from the request and response types, so that the
// document cannot drift from the code.
func (s *Server) openAPI() ([]byte, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:       "Synapse API",
			Version:     s.o.Version,
			Description: "Each user's WhatsApp, turned into a personal knowledge base. Authenticate with a bearer access token from /api/v1/auth/login, or with a personal access token (syn_pat_…) limited to its scopes; errors are RFC 9457 problem documents.",
		},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearer": &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer").
					WithDescription("A log-in's access token (a JWT from /api/v1/auth/login), or a personal access token (syn_pat_…) limited to its scopes: see each operation's x-synapse-scope.")},
			},
		},
	}
	// A generator is used once: it mutates the refs it hands out.
	genOpts := []openapi3gen.Option{
		openapi3gen.UseAllExportedFields(),
		openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{ExportComponentSchemas: true}),
		openapi3gen.CreateTypeNameGenerator(func(t reflect.Type) string {
			name := t.Name()
			if i := strings.IndexByte(name, '['); i >= 0 {
				name = name[:i]
			}
			return strings.ToUpper(name[:1]) + name[1:]
		}),
	}
	schema := func(t reflect.Type) (*openapi3.SchemaRef, error) {
		ref, err := openapi3gen.NewGenerator(genOpts...).NewSchemaRefForValue(reflect.New(t).Elem().Interface(), doc.Components.Schemas)
		if err != nil {
			return nil, fmt.Errorf("api: schema for %s: %w", t, err)
		}
		return ref, nil
	}
	problemRef, err := schema(reflect.TypeOf(Problem{}))
	if err != nil {
		return nil, err
	}
	errorResponse := func(desc string) *openapi3.ResponseRef {
		return &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription(desc).
			WithContent(openapi3.Content{"application/problem+json": openapi3.NewMediaType().WithSchemaRef(problemRef)})}
	}
	for _, rt := range s.routes {
		op := openapi3.NewOperation()
		op.Summary = rt.summary
		op.Description = rt.description
		op.Tags = []string{rt.tag}
		op.OperationID = operationID(rt)
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		for _, q := range rt.query {
			p := openapi3.NewQueryParameter(q.name).WithDescription(q.description)
			kind, required := strings.CutSuffix(q.schema, "!")
			p.Required = required
			switch kind {
			case "integer":
				p.Schema = openapi3.NewIntegerSchema().NewRef()
			case "boolean":
				p.Schema = openapi3.NewBoolSchema().NewRef()
			default:
				p.Schema = openapi3.NewStringSchema().NewRef()
			}
			op.AddParameter(p)
		}
		if rt.reqType != nil {
			ref, err := schema(rt.reqType)
			if err != nil {
				return nil, err
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithContent(openapi3.NewContentWithJSONSchemaRef(ref))}
		}
		resp := openapi3.NewResponse().WithDescription(http.StatusText(rt.status))
		switch {
		case rt.respRaw != "":
			resp.WithContent(openapi3.Content{rt.respRaw: openapi3.NewMediaType()})
		case rt.respType != nil && rt.status != http.StatusNoContent:
			ref, err := schema(rt.respType)
			if err != nil {
				return nil, err
			}
			resp.WithContent(openapi3.NewContentWithJSONSchemaRef(ref))
		}
		op.Responses = openapi3.NewResponses(openapi3.WithStatus(rt.status, &openapi3.ResponseRef{Value: resp}))
		op.Responses.Set("default", errorResponse("An error, as a problem document"))
		if rt.access != public {
			op.Security = &openapi3.SecurityRequirements{{"bearer": []string{}}}
			op.Responses.Set("401", errorResponse("Missing, invalid, expired or revoked access token"))
			op.Responses.Set("403", errorResponse("Forbidden: a personal access token without the scope this needs (insufficient-scope), or not an administrator"))
			op.Description = strings.TrimSpace(op.Description + "\n\n" + scopeText(rt.scope))
			op.Extensions = map[string]any{"x-synapse-scope": string(rt.scope)}
		}
		doc.AddOperation(rt.path, rt.method, op)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	// Validate what clients will read: the serialised document, with its
	// references resolved.
	loader := openapi3.NewLoader()
	parsed, err := loader.LoadFromData(out)
	if err == nil {
		err = parsed.Validate(loader.Context)
	}
	if err != nil {
		return nil, fmt.Errorf("api: generated OpenAPI document is invalid: %w", err)
	}
	return out, nil
}

// operationID is a stable camel-case id from method and path.
func operationID(rt *route) string {
	if rt.operationID != "" {
		return rt.operationID
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.method))
	for _, part := range strings.Split(strings.TrimPrefix(rt.path, "/api/v1"), "/") {
		part = strings.Trim(part, "{}")
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// RouteInfo describes one route.
type RouteInfo struct {
	Method, Path string
	// Auth is "public", "user" or "admin".
	Auth string
	// Scope is what a personal access token needs: "read", "write",
	// "send", or "session" (a log-in only); empty on public routes.
	Scope string
	// Body reports whether the route reads a JSON body; MaxBody is its size
	// limit (0: the server's default).
	Body    bool
	MaxBody int64
}

// Routes lists every route, sorted by path and method (for tests and docs).
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.routes))
	for _, rt := range s.routes {
		out = append(out, RouteInfo{Method: rt.method, Path: rt.path, Auth: [...]string{"public", "user", "admin"}[rt.access], Scope: string(rt.scope), Body: rt.reqType != nil, MaxBody: rt.maxBody})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}
