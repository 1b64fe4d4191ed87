package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// EventStream writes typed events to a streaming response. Every event is
// flushed at once; a write blocks while the client (or Lambda's response
// stream) is not reading, which is what slows producers down instead of
// dropping events. Safe for concurrent use.
type EventStream interface {
	// Send writes one event. typ is the event type ("result"); id, when not
	// empty, identifies it for resumption (SSE); v must marshal to a JSON
	// object that carries the same "type".
	Send(typ, id string, v any) error
	// KeepAlive writes something the client ignores, to keep idle
	// connections and proxies from timing out.
	KeepAlive() error
}

// streamWriter writes whole events to a streaming response, one at a time,
// and flushes each.
type streamWriter struct {
	mu sync.Mutex
	w  http.ResponseWriter
	rc *http.ResponseController
}

// startStream sends the headers of a stream of contentType.
func startStream(w http.ResponseWriter, contentType string) *streamWriter {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return &streamWriter{w: w, rc: http.NewResponseController(w)}
}

// StreamWriteTimeout bounds one write of a stream: a stream outlives the
// server's WriteTimeout, so each write gets its own deadline instead, and
// a client that stops reading is dropped after this long.
const StreamWriteTimeout = 60 * time.Second

func (s *streamWriter) write(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// ErrNotSupported where there is no connection (Lambda's stream).
	_ = s.rc.SetWriteDeadline(time.Now().Add(StreamWriteTimeout))
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("%w: %v", errClientGone, err)
	}
	return flush(s.rc)
}

// NDJSON starts an application/x-ndjson stream: one JSON object per line.
func NDJSON(w http.ResponseWriter) EventStream {
	s := &ndjsonStream{startStream(w, "application/x-ndjson")}
	_ = s.rc.Flush()
	return s
}

type ndjsonStream struct{ *streamWriter }

func (s *ndjsonStream) Send(_, _ string, v any) error {
	b, err := MarshalJSON(v)
	if err != nil {
		return fmt.Errorf("encode stream line: %w", err)
	}
	return s.write(b)
}

// KeepAlive writes an empty line, which NDJSON readers skip.
func (s *ndjsonStream) KeepAlive() error { return s.write([]byte("\n")) }

// SSE starts a text/event-stream. retryMS is the reconnection delay sent
// to the client.
func SSE(w http.ResponseWriter, retryMS int) EventStream {
	s := &sseStream{startStream(w, "text/event-stream")}
	if retryMS > 0 {
		fmt.Fprintf(w, "retry: %d\n\n", retryMS)
	}
	_ = s.rc.Flush()
	return s
}

type sseStream struct{ *streamWriter }

func (s *sseStream) Send(typ, id string, v any) error {
	b, err := MarshalJSON(v)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "event: %s\n", sanitizeField(typ))
	if id != "" {
		fmt.Fprintf(&buf, "id: %s\n", sanitizeField(id))
	}
	// JSON has no raw newlines, so the data fits one data: line (the
	// encoder's trailing newline ends it).
	buf.WriteString("data: ")
	buf.Write(b)
	buf.WriteString("\n")
	return s.write(buf.Bytes())
}

func (s *sseStream) KeepAlive() error { return s.write([]byte(": keep-alive\n\n")) }

func sanitizeField(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}

// flush pushes buffered bytes to the client. A writer that cannot flush
// (a buffered Lambda response) is fine: it sends everything at the end.
func flush(rc *http.ResponseController) error {
	if err := rc.Flush(); err != nil && !isNotSupported(err) {
		return fmt.Errorf("%w: %v", errClientGone, err)
	}
	return nil
}

func isNotSupported(err error) bool { return errors.Is(err, http.ErrNotSupported) }
