package httpx

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// DefaultBodyReadTimeout bounds how long the local server waits for a
// request body once the route has accepted the request (authenticated,
// right content type, announced size within the limit).
const DefaultBodyReadTimeout = 30 * time.Second

// bodyDeadline sets a read deadline on the connection for the body of r
// and clears it when the body has been read to its end or closed, so the
// connection's background read (which notices a client hanging up) is not
// cut by it afterwards.
//
// A server-wide http.Server.ReadTimeout would bound the body too, but it
// stays armed for the whole request: once it passes, the server's
// background read fails and cancels the context of a handler still
// working (a synchronous crawl, a render), so it cannot be shorter than
// the longest request. This deadline covers only the body. Where the
// writer has no connection (Lambda: API Gateway delivers whole bodies)
// SetReadDeadline fails with ErrNotSupported and nothing is armed.
func bodyDeadline(w http.ResponseWriter, r *http.Request, d time.Duration) {
	if d <= 0 || !hasBody(r) {
		return
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(d)); err != nil {
		return
	}
	r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, limit: d}
}

// deadlineBody clears the connection's read deadline once the body ends.
type deadlineBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	limit time.Duration
	once  sync.Once
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.clear()
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = &bodyTimeoutError{limit: b.limit, err: err}
	}
	return n, err
}

func (b *deadlineBody) clear() { b.once.Do(func() { _ = b.rc.SetReadDeadline(time.Time{}) }) }

// bodyTimeoutError is a body not received within the deadline.
type bodyTimeoutError struct {
	limit time.Duration
	err   error
}

func (e *bodyTimeoutError) Error() string {
	return "request body not received within " + e.limit.String()
}

func (e *bodyTimeoutError) Unwrap() error { return e.err }
