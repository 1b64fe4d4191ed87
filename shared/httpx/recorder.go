package httpx

import (
	"bufio"
	"errors"
	"net"
	"net/http"
)

// recorder remembers the status and size of a response for logs and
// metrics. It exposes the underlying writer through Unwrap so that
// http.ResponseController can still flush streams and hijack WebSockets.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.wroteHeader {
		r.status = http.StatusOK
		r.wroteHeader = true
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush lets code that type-asserts http.Flusher (older libraries) stream.
func (r *recorder) Flush() {
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Hijack lets WebSocket libraries that type-assert http.Hijacker upgrade.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := r.ResponseWriter.(http.Hijacker); ok {
		r.status = http.StatusSwitchingProtocols
		r.wroteHeader = true
		return h.Hijack()
	}
	return nil, nil, errors.New("hijack not supported")
}

func (r *recorder) statusCode() int {
	if !r.wroteHeader {
		return http.StatusOK
	}
	return r.status
}
