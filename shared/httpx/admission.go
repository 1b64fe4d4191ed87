package httpx

import (
	"net/http"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// DefaultMaxUnauthenticated is how many anonymous requests (on public
// routes: health, metrics, the OpenAPI document) may run at once.
const DefaultMaxUnauthenticated = 256

// admission caps the anonymous requests in flight, so that anonymous
// clients cannot hold every goroutine and connection of the server.
// Requests that fail authentication need no slot: they are answered from
// their headers and their connection closed. Authenticated work is
// limited by the rate limiter, per caller, instead.
type admission struct{ slots chan struct{} }

func newAdmission(n int) *admission {
	if n <= 0 {
		return nil
	}
	return &admission{slots: make(chan struct{}, n)}
}

// enter takes a slot without waiting; false when none is free.
func (a *admission) enter() bool {
	if a == nil {
		return true
	}
	select {
	case a.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (a *admission) leave() {
	if a != nil {
		<-a.slots
	}
}

// refuseBusy answers a request that found no free slot. The connection is
// closed after the answer: its body, if any, is not read.
func refuseBusy(w http.ResponseWriter, r *http.Request, capacity int) {
	w.Header().Set("Connection", "close")
	WriteError(w, r, &core.Error{Type: core.ErrRateLimited, RetryAfterSeconds: 1,
		Message: "too many unauthenticated requests in flight (limit " + strconv.Itoa(capacity) + "); retry after 1 s"})
}

// refuseUnread answers err before the request body was read, and drops
// the body (dropBody).
func refuseUnread(w http.ResponseWriter, r *http.Request, err error) {
	dropBody(w, r)
	WriteError(w, r, err)
}

// dropBody makes sure an unread request body is never read: the
// connection is closed after the answer, and its read deadline is set to
// now. Otherwise net/http would read up to 256 KiB of the body, both
// before the answer (to keep the connection) and after it (when it closes
// the body), and a client sending it slowly would hold the connection and
// its goroutine for as long as it likes.
func dropBody(w http.ResponseWriter, r *http.Request) {
	if !hasBody(r) {
		return
	}
	w.Header().Set("Connection", "close")
	// ErrNotSupported where there is no connection (Lambda).
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}
