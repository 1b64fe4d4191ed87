package render

import (
	"context"
	"net/http"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
)

// A redirect to gopher: is not covered: Chromium hands unknown schemes to
// the OS and reports the navigation as net::ERR_ABORTED, an answer that
// other aborted navigations give too.
func TestRedirectToANonWebSchemeIsInvalidURLWithChromium(t *testing.T) {
	srv := listenOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	l, _ := newEgressLocal(t, egressFetcher(t, nil), nil)
	for _, path := range []string{"/file"} {
		_, err := l.Render(context.Background(), Request{URL: srv.URL + path})
		if ce := core.AsError(err); err == nil || ce.Type != core.ErrInvalidURL || ce.Retryable() {
			t.Fatalf("%s: %v", path, err)
		}
	}
}
