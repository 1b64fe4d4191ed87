package httpx

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Auditor appends to the audit trail (audit.Log satisfies it).
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) (audit.Entry, error)
}

// stateChanging reports whether a call on rt is audited: anything but a
// read. (A crawl is a POST and is audited too: it spends the caller's
// budget and reaches out to the web on its behalf.)
func stateChanging(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// auditFailure records a refused authentication or authorization, with
// the caller's address (the one thing that helps trace a probe).
func auditFailure(a Auditor, r *http.Request, rt *routes.Route, err error) {
	if a == nil {
		return
	}
	status := http.StatusUnauthorized
	if core.TypeOf(err) == core.ErrPermissionDenied {
		status = http.StatusForbidden
	}
	host, _, splitErr := net.SplitHostPort(r.RemoteAddr)
	if splitErr != nil {
		host = r.RemoteAddr
	}
	e := entry(r, rt, status)
	e.Action = "auth.failure"
	e.Reason = string(core.TypeOf(err))
	e.Remote = host
	appendAudit(a, r, e)
}

// auditCall records a state-changing call once it has been answered.
func auditCall(a Auditor, r *http.Request, rt *routes.Route, rec *recorder) {
	e := entry(r, rt, rec.statusCode())
	if e.Status >= 400 {
		e.Reason = "http_" + http.StatusText(e.Status)
	}
	appendAudit(a, r, e)
}

func entry(r *http.Request, rt *routes.Route, status int) audit.Entry {
	ri := Info(r.Context())
	e := audit.Entry{Time: time.Now(), Actor: ri.Principal, Action: rt.Op, Method: r.Method, Path: r.URL.Path,
		Status: status, RequestID: ri.ID}
	if ri.Caller != nil {
		e.Tenant = ri.Caller.Tenant
	}
	return e
}

// appendAudit writes synchronously (a Lambda may freeze right after the
// response). A failure is logged loudly, and the call is not undone: the
// audit trail is fail-open so that a Redis outage does not take the API
// down (docs/security.md).
func appendAudit(a Auditor, r *http.Request, e audit.Entry) {
	ctx := context.WithoutCancel(r.Context())
	if _, err := a.Append(ctx, e); err != nil {
		Logger(ctx).Error("audit entry not written", slog.String("action", e.Action), slog.String("error", err.Error()))
	}
}
