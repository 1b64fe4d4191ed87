package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// legacyPaths knows the original service's unprefixed paths, so that every
// answer on them carries Deprecation, Sunset and Link: the route's own, and
// also those written before a route runs (406 unsupported_version, 405 with
// Allow, CORS preflights).
type legacyPaths struct {
	mux         *http.ServeMux          // the routes' mux, probed, never served
	routes      map[string]routes.Route // "METHOD /legacy/pattern" -> its route
	deprecation string
	sunset      string
}

var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// middleware sets the deprecation headers on requests to a legacy path,
// whatever answers them.
func (l *legacyPaths) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt, pattern, ok := l.match(r); ok {
			h := w.Header()
			h.Set("Deprecation", l.deprecation)
			h.Set("Sunset", l.sunset)
			h.Set("Link", fmt.Sprintf("<%s>; rel=\"successor-version\"", successorPath(rt, pattern, r.URL.Path)))
		}
		next.ServeHTTP(w, r)
	})
}

// match finds the legacy route of r's path: the one its method matches,
// else one any other method would (a 405 on a legacy path is a legacy
// answer too).
func (l *legacyPaths) match(r *http.Request) (routes.Route, string, bool) {
	if _, pattern := l.mux.Handler(r); pattern != "" && pattern != "/" {
		rt, ok := l.routes[pattern]
		return rt, pattern, ok
	}
	for _, m := range probeMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := l.mux.Handler(probe); pattern != "" && pattern != "/" {
			if rt, ok := l.routes[pattern]; ok {
				return rt, pattern, true
			}
		}
	}
	return routes.Route{}, "", false
}

// successorPath is the canonical twin of a request path that matched the
// legacy pattern ("GET /sessions/{id}"), with its path parameters filled in.
func successorPath(rt routes.Route, pattern, path string) string {
	_, legacyPath, _ := strings.Cut(pattern, " ")
	values := map[string]string{}
	segs, got := strings.Split(legacyPath, "/"), strings.Split(path, "/")
	for i, seg := range segs {
		name, ok := strings.CutPrefix(seg, "{")
		if !ok || i >= len(got) {
			continue
		}
		name = strings.TrimSuffix(name, "}")
		if rest, ok := strings.CutSuffix(name, "..."); ok {
			values[rest] = strings.Join(got[i:], "/")
			break
		}
		values[name] = got[i]
	}
	p := rt.Path
	for _, param := range routes.PathParams(rt.Path) {
		p = strings.Replace(p, "{"+param+"}", values[strings.TrimSuffix(param, "...")], 1)
	}
	return p
}

// legacyMethodHandler answers a request made with one of the original's
// methods (POST /spider/status with {"include_metrics":true}) like its
// canonical twin's method: the body's top-level scalar fields become query
// parameters (those in the URL win) and the route's handler runs.
func legacyMethodHandler(rt routes.Route, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readLimitedBody(r)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		q := r.URL.Query()
		if len(bytes.TrimSpace(body)) > 0 {
			if !IsJSONContentType(r.Header.Get("Content-Type")) {
				WriteError(w, r, core.Errorf(core.ErrUnsupportedMediaType,
					"Content-Type must be application/json, got %q", r.Header.Get("Content-Type")))
				return
			}
			var fields map[string]json.RawMessage
			if err := DecodeBytes(body, &fields, true); err != nil {
				WriteError(w, r, err)
				return
			}
			for k, raw := range fields {
				v, err := queryValue(raw)
				if err != nil {
					WriteError(w, r, core.Errorf(core.ErrValidation, "%s: %v", k, err).WithDetails(core.Detail{Field: k, Message: err.Error()}))
					return
				}
				if v != nil && !q.Has(k) {
					q.Set(k, *v)
				}
			}
		}
		twin := r.Clone(r.Context())
		twin.Method = rt.Method
		twin.URL.RawQuery = q.Encode()
		twin.Body, twin.ContentLength = http.NoBody, 0
		next.ServeHTTP(w, twin)
	})
}

// queryValue turns a JSON scalar into a query parameter value (nil for null).
func queryValue(raw json.RawMessage) (*string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return &s, nil
	case raw[0] == '{' || raw[0] == '[':
		return nil, errors.New("only strings, numbers and booleans can stand for query parameters")
	}
	s := string(raw) // a number or a boolean, as written
	return &s, nil
}

// moveLegacyFields rewrites the body of a request to a legacy path so that
// the original's top-level fields sit where the current body has them
// ({"max_depth":2} -> {"options":{"max_depth":2}}). A body that is not a
// JSON object is left for the handler's decoder to refuse.
func moveLegacyFields(r *http.Request, moves map[string]string) error {
	body, err := readLimitedBody(r)
	if err != nil {
		return err
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return nil
	}
	moved := false
	for from, to := range moves {
		v, ok := top[from]
		if !ok {
			continue
		}
		parent, key, nested := strings.Cut(to, ".")
		if !nested {
			continue
		}
		inner := map[string]json.RawMessage{}
		if raw, ok := top[parent]; ok && json.Unmarshal(raw, &inner) != nil {
			return nil // options is not an object: the decoder says so
		}
		if _, dup := inner[key]; dup {
			return core.Errorf(core.ErrValidation, "%s is given twice: at the top level (the original's form) and as %s", from, to).
				WithDetails(core.Detail{Field: from, Message: "also given as " + to})
		}
		inner[key] = v
		b, err := json.Marshal(inner)
		if err != nil {
			return err
		}
		top[parent] = b
		delete(top, from)
		moved = true
	}
	if !moved {
		return nil
	}
	out, err := json.Marshal(top)
	if err != nil {
		return err
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(out)), int64(len(out))
	return nil
}

// readLimitedBody reads a body already capped by http.MaxBytesReader.
func readLimitedBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, core.Errorf(core.ErrPayloadTooLarge, "request body exceeds the limit of %d bytes for this route", mbe.Limit)
		}
		return nil, core.Wrap(core.ErrValidation, err, "could not read the request body")
	}
	return body, nil
}
