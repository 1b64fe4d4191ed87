package httpx

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Principal is an authenticated caller.
type Principal struct {
	// ID identifies the caller in logs and rate limits: a fingerprint of the
	// key (never the key itself), or "rtk_<id>" for a managed key.
	ID string
	// KeyID is a managed key's id ("" for bootstrap keys): usage is
	// counted against it.
	KeyID string
	// Tenant is the managed key's tenant ("" when none).
	Tenant string
	// Scopes are the managed key's scopes; nil means every scope (the
	// bootstrap keys, disabled auth).
	Scopes []string
	// RateLimit is the key's own requests per minute (replacing its
	// plan's requests quota); 0 means the plan's.
	RateLimit int
	// Plan names the key's rate-limit plan; "" means the default plan.
	Plan string
}

// Authenticator checks an API key. It returns an authentication_error for
// an unknown key.
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (Principal, error)
}

// StaticKeys authenticates against a fixed set of keys from configuration.
// It keeps only SHA-256 digests and compares them in constant time.
type StaticKeys struct {
	digests [][32]byte
}

// NewStaticKeys builds a StaticKeys from plain keys (blank entries ignored).
func NewStaticKeys(keys []string) *StaticKeys {
	s := &StaticKeys{}
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			s.digests = append(s.digests, sha256.Sum256([]byte(k)))
		}
	}
	return s
}

// Len returns the number of configured keys.
func (s *StaticKeys) Len() int { return len(s.digests) }

// Authenticate implements Authenticator.
func (s *StaticKeys) Authenticate(_ context.Context, key string) (Principal, error) {
	d := sha256.Sum256([]byte(key))
	found := 0
	for _, want := range s.digests {
		found |= subtle.ConstantTimeCompare(d[:], want[:])
	}
	if found == 1 {
		return Principal{ID: KeyFingerprint(key)}, nil
	}
	return Principal{}, core.Errorf(core.ErrAuthentication, "invalid API key")
}

// KeyFingerprint is a short, non-reversible id of a key for logs.
func KeyFingerprint(key string) string {
	d := sha256.Sum256([]byte(key))
	return "key_" + hex.EncodeToString(d[:6])
}

// AuthConfig configures authentication.
type AuthConfig struct {
	// Disabled turns authentication off; only an explicit setting does this.
	Disabled bool
	// Authenticator checks keys. Nil (or a StaticKeys with no keys) means no
	// key is configured: every protected route answers 401 and says why.
	Authenticator Authenticator
	// PublicMetrics makes /metrics reachable without a key.
	PublicMetrics bool
}

// NoKeysConfigured reports whether auth is on but nothing can pass it.
func (c AuthConfig) NoKeysConfigured() bool {
	if c.Disabled {
		return false
	}
	if c.Authenticator == nil {
		return true
	}
	if _, ok := c.Authenticator.(*ManagedKeys); ok {
		return false // keys may live in the key store
	}
	if _, ok := c.Authenticator.(*OIDCTokens); ok {
		return false // the identity provider issues tokens
	}
	sk, ok := c.Authenticator.(*StaticKeys)
	return ok && sk.Len() == 0
}

const noKeysMessage = "authentication is required but this server has no API keys configured: " +
	"set RIPTIDE_API_KEYS (or RIPTIDE_AUTH=disabled for a private local server)"

// CredentialFromRequest returns the API key sent with r: X-API-Key, else an
// Authorization Bearer token.
func CredentialFromRequest(r *http.Request) string { return CredentialFromHeader(r.Header) }

// CredentialFromHeader returns the API key in h: X-API-Key, else an
// Authorization Bearer token (the API Gateway authorizer reads the same
// headers the application does).
func CredentialFromHeader(h http.Header) string {
	if k := strings.TrimSpace(h.Get("X-API-Key")); k != "" {
		return k
	}
	if a := h.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// authenticate checks the request's credential and records the principal.
func (c AuthConfig) authenticate(r *http.Request) error {
	if c.Disabled {
		Info(r.Context()).Principal = "anonymous"
		Info(r.Context()).usage = &usageMeter{}
		return nil
	}
	if c.NoKeysConfigured() {
		return core.Errorf(core.ErrAuthentication, "%s", noKeysMessage)
	}
	key := CredentialFromRequest(r)
	if key == "" {
		return core.Errorf(core.ErrAuthentication, "missing API key: send it as X-API-Key or Authorization: Bearer")
	}
	p, err := c.Authenticator.Authenticate(r.Context(), key)
	if err != nil {
		return err
	}
	ri := Info(r.Context())
	ri.Principal = p.ID
	ri.Caller = &p
	// Usage feeds the key's counters and the rate limiter's after-the-fact
	// charges (render seconds, tokens), so every caller has a meter.
	ri.usage = &usageMeter{}
	return nil
}
