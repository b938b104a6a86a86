package api

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"
)

// operation documents one API operation in OpenAPI 3.1 terms.
type operation struct {
	Method, Path string
	ID, Summary  string
	Tag          string
	Params       []param
	Body         map[string]any // request body schema, nil if none
	RawBody      string         // media type of a body that is not JSON (the body is the document itself)
	Response     map[string]any // 200/201 response schema
	Status       int            // success status; 200 if zero
	Auth         bool           // needs a signed-in principal

	// Content, when set, is the success response's content by media type, for responses that
	// are not (only) JSON; Response is then ignored.
	Content map[string]any
	// Consumes, when set, is the request body's content by media type, for bodies that are not
	// (only) JSON; Body and RawBody are then ignored. Other media types are refused with 415.
	Consumes map[string]any
}

type param struct {
	Name, In, Description string
	Required              bool
	Schema                map[string]any
}

// openAPI accumulates the document as routes are installed.
type openAPI struct {
	mu      sync.Mutex
	version string
	ops     []operation
	cached  []byte
}

func newOpenAPI(version string) *openAPI { return &openAPI{version: version} }

func (o *openAPI) add(op operation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops = append(o.ops, op)
	o.cached = nil
}

func (o *openAPI) keys() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, op := range o.ops {
		out = append(out, op.Method+" "+op.Path)
	}
	sort.Strings(out)
	return out
}

// Schema helpers keep operation definitions short.
func obj(props map[string]any, required ...string) map[string]any {
	m := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		m["required"] = required
	}
	return m
}
func arr(items map[string]any) map[string]any { return map[string]any{"type": "array", "items": items} }
func str(desc string) map[string]any          { return map[string]any{"type": "string", "description": desc} }
func integer(desc string) map[string]any {
	return map[string]any{"type": "integer", "description": desc}
}
func number(desc string) map[string]any { return map[string]any{"type": "number", "description": desc} }
func boolean(desc string) map[string]any {
	return map[string]any{"type": "boolean", "description": desc}
}
func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func idParam(name, desc string) param {
	return param{Name: name, In: "path", Required: true, Description: desc, Schema: map[string]any{"type": "integer", "minimum": 1}}
}

var errorSchema = obj(map[string]any{
	"error": obj(map[string]any{
		"kind":       map[string]any{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthenticated", "forbidden", "too_many_requests", "too_large", "unavailable", "internal", "method_not_allowed", "unsupported_media_type"}},
		"message":    str("what went wrong and what to do, in the language the client asked for (Accept-Language)"),
		"field":      str("the input field at fault, when there is one"),
		"request_id": str("quote it when asking for help"),
	}, "kind", "message"),
}, "error")

// json renders the whole document.
func (o *openAPI) json() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cached != nil {
		return o.cached
	}
	paths := map[string]map[string]any{}
	tags := map[string]bool{}
	for _, op := range o.ops {
		p := paths[op.Path]
		if p == nil {
			p = map[string]any{}
			paths[op.Path] = p
		}
		status := op.Status
		if status == 0 {
			status = 200
		}
		content := op.Content
		if content == nil {
			content = map[string]any{"application/json": map[string]any{"schema": op.Response}}
		}
		responses := map[string]any{
			itoa(status): map[string]any{"description": "success", "content": content},
			"400":        errResponse("bad input; the message and field say what to fix"),
			"429":        errResponse("too many requests; retry after the Retry-After header"),
			"500":        errResponse("internal error; quote the request id"),
		}
		if op.Auth {
			responses["401"] = errResponse("sign in first")
			responses["403"] = errResponse("the principal may not do this")
		}
		if strings.Contains(op.Path, "{") {
			responses["404"] = errResponse("no such object")
		}
		if op.Method != "GET" {
			responses["409"] = errResponse("conflicts with the current state")
		}
		m := map[string]any{
			"operationId": op.ID,
			"summary":     op.Summary,
			"tags":        []string{op.Tag},
			"responses":   responses,
		}
		tags[op.Tag] = true
		if op.Auth {
			m["security"] = []map[string][]string{{"session": {}}, {"bearer": {}}}
		}
		var params []map[string]any
		for _, pa := range op.Params {
			params = append(params, map[string]any{"name": pa.Name, "in": pa.In, "required": pa.Required, "description": pa.Description, "schema": pa.Schema})
		}
		if params != nil {
			m["parameters"] = params
		}
		if op.RawBody != "" {
			m["requestBody"] = map[string]any{"required": true, "content": map[string]any{op.RawBody: map[string]any{"schema": map[string]any{"type": "string"}}}}
			responses["413"] = errResponse("the body is larger than the limit")
		}
		if op.Body != nil {
			m["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": op.Body}}}
		}
		if op.Consumes != nil {
			m["requestBody"] = map[string]any{"required": true, "content": op.Consumes}
			responses["413"] = errResponse("the body is larger than the limit")
			responses["415"] = errResponse("the body is of a media type this operation does not take; the Accept-Post header lists those it does")
		}
		p[strings.ToLower(op.Method)] = m
	}
	var tagList []map[string]string
	for t := range tags {
		tagList = append(tagList, map[string]string{"name": t})
	}
	sort.Slice(tagList, func(i, j int) bool { return tagList[i]["name"] < tagList[j]["name"] })
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Yiwang (一网) API",
			"version":     o.version,
			"description": "JSON API of the Yiwang digital-government platform. Errors share one shape (components/schemas/Error) with a message translated per Accept-Language (zh-Hans, zh-Hant, en).",
			"license":     map[string]string{"name": "Apache-2.0", "identifier": "Apache-2.0"},
		},
		"servers": []map[string]string{{"url": "/"}},
		"tags":    tagList,
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "yiwang_session", "description": "the session cookie set by POST /login"},
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "a personal access token (ywpat_…, scopes api:read and api:write; yiwang token create or /account/tokens), or a department system's access token from the OpenID Connect provider's client-credentials grant"},
			},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // the document is built from literals; failing to encode it is a programming error
	}
	o.cached = b
	return b
}

func errResponse(desc string) map[string]any {
	return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
