package lambdaio

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
)

// serveStreaming runs h in the background and returns a Lambda streaming
// response (JSON prelude, 8 NUL bytes, then the body as h writes it). Lambda
// reads the body as it is produced, so an NDJSON or SSE handler streams to
// the client. The pipe gives natural backpressure: a write blocks until
// Lambda has taken the previous bytes. When Lambda closes the response (the
// client went away), the request context is cancelled so the work stops.
func serveStreaming(h http.Handler, req *http.Request) *events.LambdaFunctionURLStreamingResponse {
	ctx, cancel := context.WithCancel(req.Context())
	req = req.WithContext(ctx)
	pr, pw := io.Pipe()
	ready := make(chan struct{})
	w := &streamWriter{header: http.Header{}, pipe: pw, ready: ready}
	go func() {
		defer cancel()
		defer func() {
			w.WriteHeader(http.StatusOK) // release the prelude if nothing was written
			_ = pw.Close()
		}()
		h.ServeHTTP(w, req)
	}()
	<-ready
	resp := &events.LambdaFunctionURLStreamingResponse{
		StatusCode: w.status,
		Headers:    map[string]string{},
		Body:       &cancelOnClose{Reader: pr, closer: pr, cancel: cancel},
	}
	for k, v := range w.sent {
		if k == "Set-Cookie" {
			resp.Cookies = v
			continue
		}
		resp.Headers[k] = strings.Join(v, ",")
	}
	return resp
}

// streamWriter is the http.ResponseWriter of a streaming invocation.
type streamWriter struct {
	header http.Header
	sent   http.Header
	pipe   *io.PipeWriter
	once   sync.Once
	ready  chan struct{}
	status int
}

func (w *streamWriter) Header() http.Header { return w.header }

func (w *streamWriter) WriteHeader(code int) {
	w.once.Do(func() {
		w.status = code
		w.sent = w.header.Clone()
		close(w.ready)
	})
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.pipe.Write(p)
}

// Flush is a no-op: every Write already goes straight to Lambda.
func (w *streamWriter) Flush() {}

type cancelOnClose struct {
	io.Reader
	closer io.Closer
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	c.cancel()
	return c.closer.Close()
}
