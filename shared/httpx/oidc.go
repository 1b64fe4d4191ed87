package httpx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/keys"
)

// OIDCOptions configure bearer tokens from an OAuth2/OIDC identity
// provider (docs/security.md).
type OIDCOptions struct {
	// Issuer is the provider's issuer URL; tokens must carry it as iss.
	Issuer string
	// Audience must be among a token's aud.
	Audience string
	// JWKSURL is where the signing keys are; empty: the issuer's discovery
	// document says (fetched on the first token, not at start).
	JWKSURL string
	// ScopeClaim holds the token's scopes: a space-separated string
	// ("scope", OAuth2) or a list ("scp"). Default "scope".
	ScopeClaim string
	// TenantClaim holds the tenant; default "tenant".
	TenantClaim string
	// PlanClaim holds the caller's rate-limit plan; default "plan". A
	// token without it, or naming a plan the server does not know, is
	// limited by the default plan (HasPlan decides).
	PlanClaim string
	// HasPlan reports whether a plan name is configured; nil accepts none,
	// so every token gets the default plan.
	HasPlan func(name string) bool
	// ClockSkew is how far the provider's clock may be ahead or behind;
	// default 60 s.
	ClockSkew time.Duration
	// Client fetches discovery and keys (default: a 10 s timeout client).
	Client *http.Client
}

// OIDCTokens authenticates JWT bearer tokens from one identity provider and
// hands every other credential to Next (API keys). Signing keys are
// cached and fetched again when a token names a key id not seen yet, so
// the provider's key rotation needs nothing here.
type OIDCTokens struct {
	opts OIDCOptions
	Next Authenticator

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
}

// NewOIDCTokens returns the authenticator; next may be nil (tokens only).
func NewOIDCTokens(o OIDCOptions, next Authenticator) *OIDCTokens {
	if o.ScopeClaim == "" {
		o.ScopeClaim = "scope"
	}
	if o.TenantClaim == "" {
		o.TenantClaim = "tenant"
	}
	if o.PlanClaim == "" {
		o.PlanClaim = "plan"
	}
	if o.ClockSkew == 0 {
		o.ClockSkew = time.Minute
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &OIDCTokens{opts: o, Next: next}
}

// LooksLikeJWT reports whether a credential has a JWT's shape (three
// base64url parts, a JSON header): API keys never do.
func LooksLikeJWT(s string) bool {
	return strings.HasPrefix(s, "eyJ") && strings.Count(s, ".") == 2
}

// Authenticate implements Authenticator.
func (a *OIDCTokens) Authenticate(ctx context.Context, credential string) (Principal, error) {
	if !LooksLikeJWT(credential) {
		if a.Next == nil {
			return Principal{}, core.Errorf(core.ErrAuthentication, "this server takes bearer tokens from its identity provider only")
		}
		return a.Next.Authenticate(ctx, credential)
	}
	v, err := a.verifierFor(ctx)
	if err != nil {
		return Principal{}, err
	}
	tok, err := v.Verify(ctx, credential)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return Principal{}, core.Errorf(core.ErrAuthentication, "bearer token expired at %s", expired.Expiry.UTC().Format(time.RFC3339))
		}
		// go-oidc's messages name what failed (issuer, audience,
		// signature), never the token itself.
		return Principal{}, core.Errorf(core.ErrAuthentication, "bearer token rejected: %s", strings.ReplaceAll(strings.TrimPrefix(err.Error(), "oidc: "), "id token ", "token "))
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Principal{}, core.Errorf(core.ErrAuthentication, "bearer token claims: %v", err)
	}
	tenant, _ := claims[a.opts.TenantClaim].(string)
	sum := sha256.Sum256([]byte(tok.Issuer + "\x00" + tok.Subject))
	return Principal{ID: "jwt_" + hex.EncodeToString(sum[:8]), Tenant: tenant, Scopes: scopesOf(claims[a.opts.ScopeClaim]),
		Plan: a.planOf(claims[a.opts.PlanClaim])}, nil
}

// planOf maps the plan claim onto a configured plan. A plan the server
// does not know is not an error: the provider may know plans this
// deployment does not sell, and refusing every call of such a user would
// be worse than limiting it by the default plan.
func (a *OIDCTokens) planOf(claim any) string {
	name, _ := claim.(string)
	if name == "" || a.opts.HasPlan == nil || !a.opts.HasPlan(name) {
		return ""
	}
	return name
}

// scopesOf maps a scope claim onto RipTide's scopes; unknown values are
// dropped. The result is never nil: nil would mean every scope.
func scopesOf(claim any) []string {
	var raw []string
	switch c := claim.(type) {
	case string:
		raw = strings.Fields(c)
	case []any:
		for _, v := range c {
			if s, ok := v.(string); ok {
				raw = append(raw, s)
			}
		}
	}
	out := []string{}
	for _, s := range raw {
		s = strings.TrimPrefix(s, "riptide:")
		if keys.ValidScope(keys.Scope(s)) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// verifierFor builds the verifier on first use: discovery is a network
// call, and a cold start must not wait on the provider (nor fail for good
// when it is briefly down: a failed discovery is tried again next time).
func (a *OIDCTokens) verifierFor(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.verifier != nil {
		return a.verifier, nil
	}
	// The key set outlives this request: its fetches use a context of
	// their own, with the configured client.
	keyCtx := oidc.ClientContext(context.WithoutCancel(ctx), a.opts.Client)
	skew := a.opts.ClockSkew
	cfg := &oidc.Config{ClientID: a.opts.Audience, Now: func() time.Time { return time.Now().Add(-skew) },
		SupportedSigningAlgs: []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.EdDSA}}
	if a.opts.JWKSURL != "" {
		a.verifier = oidc.NewVerifier(a.opts.Issuer, oidc.NewRemoteKeySet(keyCtx, a.opts.JWKSURL), cfg)
		return a.verifier, nil
	}
	dctx, cancel := context.WithTimeout(keyCtx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, a.opts.Issuer)
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, fmt.Sprintf("the identity provider's discovery document (%s) could not be read", a.opts.Issuer))
	}
	a.verifier = p.VerifierContext(keyCtx, cfg)
	return a.verifier, nil
}

// tokenKeyFor implements tokenKeyring for the API keys behind the
// identity provider: its own bearer tokens get no WebSocket token.
func (o *OIDCTokens) tokenKeyFor(ctx context.Context, credential string) (string, []byte, bool, error) {
	if kr, ok := o.Next.(tokenKeyring); ok {
		return kr.tokenKeyFor(ctx, credential)
	}
	return "", nil, false, nil
}

// tokenKeyOf implements tokenKeyring.
func (o *OIDCTokens) tokenKeyOf(ctx context.Context, label string) ([]byte, Principal, bool, error) {
	if kr, ok := o.Next.(tokenKeyring); ok {
		return kr.tokenKeyOf(ctx, label)
	}
	return nil, Principal{}, false, nil
}
