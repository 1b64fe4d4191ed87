package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// ManagedKeys authenticates managed keys ("rtk_<id>_<secret>", kept in
// the key store) and hands every other credential to Bootstrap: the keys
// of RIPTIDE_API_KEYS and the Secrets Manager secret, which hold every
// scope (they create the first managed keys).
type ManagedKeys struct {
	Keys      *keys.Service
	Bootstrap Authenticator
}

// Authenticate implements Authenticator.
func (m *ManagedKeys) Authenticate(ctx context.Context, token string) (Principal, error) {
	if keys.LooksManaged(token) {
		k, err := m.Keys.Authenticate(ctx, token)
		if err != nil {
			return Principal{}, err
		}
		return managedPrincipal(k), nil
	}
	if m.Bootstrap == nil {
		return Principal{}, core.Errorf(core.ErrAuthentication, "invalid API key")
	}
	return m.Bootstrap.Authenticate(ctx, token)
}

// tokenKeyFor implements tokenKeyring: a managed key's tokens are signed
// with a secret derived from the key (keys.Service.DerivedSecret); other
// credentials are the bootstrap keys'.
func (m *ManagedKeys) tokenKeyFor(ctx context.Context, credential string) (string, []byte, bool, error) {
	if keys.LooksManaged(credential) {
		id := keys.IDOf(credential)
		secret, _, err := m.Keys.DerivedSecret(ctx, id, wsTokenPurpose)
		if err != nil {
			return "", nil, false, err
		}
		return managedLabelPrefix + id, secret, true, nil
	}
	if kr, ok := m.Bootstrap.(tokenKeyring); ok {
		return kr.tokenKeyFor(ctx, credential)
	}
	return "", nil, false, nil
}

// tokenKeyOf implements tokenKeyring. The key is read again (through the
// key service's short cache), so a revoked key's tokens stop working.
func (m *ManagedKeys) tokenKeyOf(ctx context.Context, label string) ([]byte, Principal, bool, error) {
	if id, ok := strings.CutPrefix(label, managedLabelPrefix); ok {
		secret, k, err := m.Keys.DerivedSecret(ctx, id, wsTokenPurpose)
		if err != nil {
			return nil, Principal{}, false, err
		}
		return secret, managedPrincipal(k), true, nil
	}
	if kr, ok := m.Bootstrap.(tokenKeyring); ok {
		return kr.tokenKeyOf(ctx, label)
	}
	return nil, Principal{}, false, nil
}

// managedLabelPrefix starts the label of a managed key's tokens.
const managedLabelPrefix = "rtk_"

func managedPrincipal(k keys.Key) Principal {
	scopes := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		scopes[i] = string(s)
	}
	return Principal{ID: "rtk_" + k.ID, KeyID: k.ID, Tenant: k.Tenant, Scopes: scopes, RateLimit: k.RateLimit, Plan: k.Plan}
}

// authorize refuses a caller whose scopes do not cover the route: 403
// permission_denied naming the scope needed. Bootstrap keys (nil scopes)
// and disabled auth pass.
func authorize(r *http.Request, rt *routes.Route) error {
	p := Info(r.Context()).Caller
	if p == nil || p.Scopes == nil {
		return nil
	}
	scopes := make([]keys.Scope, len(p.Scopes))
	for i, s := range p.Scopes {
		scopes[i] = keys.Scope(s)
	}
	need := keys.Scope(rt.Scope())
	if keys.Allows(scopes, need, rt.ReadOnly()) {
		return nil
	}
	return core.Errorf(core.ErrPermissionDenied, "this API key lacks the %q scope that %s %s needs", need, rt.Method, rt.Path).
		WithDetails(core.Detail{Field: "scope", Message: string(need)})
}

// UsageRecorder adds a request's usage to its key's counters.
type UsageRecorder interface {
	Record(ctx context.Context, keyID string, d keys.Delta) error
}

// usageMeter accumulates what a request consumed; handlers add to it with
// AddUsage, the middleware writes it once after the response.
type usageMeter struct {
	mu sync.Mutex
	d  keys.Delta
}

// AddUsage counts URLs fetched, render seconds and LLM tokens against the
// calling key's counters (managed keys) and its rate-limit plan (charged
// after the response). Outside an authenticated request it does nothing.
func AddUsage(ctx context.Context, urls int64, renderSeconds float64, tokens int64) {
	m := Info(ctx).usage
	if m == nil {
		return
	}
	m.mu.Lock()
	m.d.URLs += urls
	m.d.RenderSeconds += renderSeconds
	m.d.Tokens += tokens
	m.mu.Unlock()
}

// recordUsage writes the request's usage (a request, plus what handlers
// added). It runs synchronously after the handler: a Lambda may freeze
// right after the response, so a goroutine could be lost. A failure is
// logged, never the client's problem.
func recordUsage(rec UsageRecorder, r *http.Request) {
	ri := Info(r.Context())
	if rec == nil || ri.Caller == nil || ri.Caller.KeyID == "" || ri.usage == nil {
		return
	}
	ri.usage.mu.Lock()
	d := ri.usage.d
	ri.usage.mu.Unlock()
	d.Requests = 1
	// The request's own context may be cancelled (client gone); the
	// counters must still be written.
	ctx := context.WithoutCancel(r.Context())
	if err := rec.Record(ctx, ri.Caller.KeyID, d); err != nil {
		Logger(ctx).Warn("key usage not recorded", slog.String("key_id", ri.Caller.KeyID), slog.String("error", err.Error()))
	}
}

// KeyUsage adapts a key service to UsageRecorder.
type KeyUsage struct{ Keys *keys.Service }

// Record implements UsageRecorder.
func (u KeyUsage) Record(ctx context.Context, id string, d keys.Delta) error {
	return u.Keys.Record(ctx, id, d)
}
