package httpx

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Short-lived tokens let browsers open /crawl/ws, where they cannot send an
// API key header. A token is "rt1.<expiry>.<key label>.<mac>":
//   - for a bootstrap key the label is a fingerprint of the key and the MAC
//     is keyed with the SHA-256 digest of the key;
//   - for a managed key the label is "rtk_<id>" and the MAC is keyed with a
//     secret derived from the pepper and the key's stored hash
//     (keys.Service.DerivedSecret), so the token carries the key's scopes,
//     tenant and plan and dies with the key (revoked, expired, rotated).
// No token store is needed: any instance (any Lambda) verifies a token from
// the key list or the key store.

// TokenProtocolPrefix marks a token sent as a Sec-WebSocket-Protocol value.
const TokenProtocolPrefix = "riptide.token."

// MaxTokenTTL bounds the lifetime of a token.
const MaxTokenTTL = 10 * time.Minute

// wsTokenPurpose separates the secret a managed key's tokens are signed
// with from any other use of keys.Service.DerivedSecret.
const wsTokenPurpose = "riptide-ws-token"

// IssueToken returns a token for the bootstrap key apiKey valid until
// now+ttl (AuthConfig.IssueToken picks the kind of token a caller gets).
func IssueToken(apiKey string, ttl time.Duration, now time.Time) (string, time.Time) {
	label, key := bootstrapTokenKey(apiKey)
	return mintToken(label, key, ttl, now)
}

func mintToken(label string, key []byte, ttl time.Duration, now time.Time) (string, time.Time) {
	exp := now.Add(ttl).Truncate(time.Second)
	return "rt1." + strconv.FormatInt(exp.Unix(), 10) + "." + label + "." + tokenMAC(key, exp.Unix(), label), exp
}

func bootstrapTokenKey(apiKey string) (label string, key []byte) {
	d := sha256.Sum256([]byte(apiKey))
	return hex.EncodeToString(d[:6]), d[:]
}

func tokenMAC(key []byte, exp int64, label string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "riptide-ws|%d|%s", exp, label)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// tokenKeyring is implemented by authenticators whose callers can get
// WebSocket tokens.
type tokenKeyring interface {
	// tokenKeyFor returns the label and MAC key of the tokens credential
	// asks for; ok is false for a credential that is not an API key of
	// this authenticator.
	tokenKeyFor(ctx context.Context, credential string) (label string, key []byte, ok bool, err error)
	// tokenKeyOf returns the MAC key of label and the caller its tokens
	// stand for; ok is false for a label it does not know.
	tokenKeyOf(ctx context.Context, label string) (key []byte, p Principal, ok bool, err error)
}

// bootstrapKeyring serves tokens of keys known by their SHA-256 digests.
type bootstrapKeyring func(ctx context.Context) ([][32]byte, error)

func (digests bootstrapKeyring) tokenKeyFor(ctx context.Context, credential string) (string, []byte, bool, error) {
	label, key := bootstrapTokenKey(credential)
	all, err := digests(ctx)
	if err != nil {
		return "", nil, false, err
	}
	for _, d := range all {
		if subtle.ConstantTimeCompare(d[:], key) == 1 {
			return label, key, true, nil
		}
	}
	return "", nil, false, nil
}

func (digests bootstrapKeyring) tokenKeyOf(ctx context.Context, label string) ([]byte, Principal, bool, error) {
	all, err := digests(ctx)
	if err != nil {
		return nil, Principal{}, false, err
	}
	for _, d := range all {
		if hex.EncodeToString(d[:6]) == label {
			return d[:], Principal{ID: "key_" + label}, true, nil
		}
	}
	return nil, Principal{}, false, nil
}

func (s *StaticKeys) tokenKeyFor(ctx context.Context, credential string) (string, []byte, bool, error) {
	return bootstrapKeyring(s.KeyDigests).tokenKeyFor(ctx, credential)
}

func (s *StaticKeys) tokenKeyOf(ctx context.Context, label string) ([]byte, Principal, bool, error) {
	return bootstrapKeyring(s.KeyDigests).tokenKeyOf(ctx, label)
}

func (s *SecretKeys) tokenKeyFor(ctx context.Context, credential string) (string, []byte, bool, error) {
	return bootstrapKeyring(s.KeyDigests).tokenKeyFor(ctx, credential)
}

func (s *SecretKeys) tokenKeyOf(ctx context.Context, label string) ([]byte, Principal, bool, error) {
	return bootstrapKeyring(s.KeyDigests).tokenKeyOf(ctx, label)
}

// KeyDigests returns the SHA-256 digests of the keys.
func (s *StaticKeys) KeyDigests(context.Context) ([][32]byte, error) { return s.digests, nil }

// KeyDigests returns the SHA-256 digests of the keys; keys of the
// previous version count during the overlap.
func (s *SecretKeys) KeyDigests(ctx context.Context) ([][32]byte, error) {
	current, previous, err := s.keySets(ctx)
	if err != nil {
		return nil, err
	}
	digests := current.digests
	if previous != nil {
		digests = append(append([][32]byte(nil), digests...), previous.digests...)
	}
	return digests, nil
}

// IssueToken returns a WebSocket token for the caller that authenticated
// with credential, valid until now+ttl. With authentication disabled any
// token works, and one is still issued so clients need no special case.
func (c AuthConfig) IssueToken(ctx context.Context, credential string, ttl time.Duration, now time.Time) (string, time.Time, error) {
	if c.Disabled {
		tok, exp := IssueToken("auth-disabled", ttl, now)
		return tok, exp, nil
	}
	kr, ok := c.Authenticator.(tokenKeyring)
	if !ok {
		return "", time.Time{}, core.Errorf(core.ErrNotImplemented, "WebSocket tokens are not available with this authentication setup")
	}
	label, key, ok, err := kr.tokenKeyFor(ctx, credential)
	if err != nil {
		return "", time.Time{}, err
	}
	if !ok {
		return "", time.Time{}, core.Errorf(core.ErrValidation, "WebSocket tokens are issued to API keys: send X-API-Key (an identity provider's bearer token cannot be turned into one)")
	}
	tok, exp := mintToken(label, key, ttl, now)
	return tok, exp, nil
}

// verifyToken checks a token against the configured keys.
func (c AuthConfig) verifyToken(ctx context.Context, tok string, now time.Time) (Principal, error) {
	invalid := core.Errorf(core.ErrAuthentication, "invalid or expired token: get a new one from POST /api/v1/crawl/ws/token")
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || parts[0] != "rt1" {
		return Principal{}, invalid
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || now.Unix() > exp || time.Unix(exp, 0).Sub(now) > MaxTokenTTL {
		return Principal{}, invalid
	}
	kr, ok := c.Authenticator.(tokenKeyring)
	if !ok {
		return Principal{}, invalid
	}
	key, p, ok, err := kr.tokenKeyOf(ctx, parts[2])
	if err != nil {
		if core.TypeOf(err) == core.ErrAuthentication {
			return Principal{}, invalid
		}
		return Principal{}, err
	}
	if !ok || subtle.ConstantTimeCompare([]byte(tokenMAC(key, exp, parts[2])), []byte(parts[3])) != 1 {
		return Principal{}, invalid
	}
	return p, nil
}

// TokenFromRequest returns a token sent with a WebSocket upgrade: the
// `token` query parameter or a "riptide.token.<token>" subprotocol.
func TokenFromRequest(r *http.Request) string {
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if t, ok := strings.CutPrefix(strings.TrimSpace(p), TokenProtocolPrefix); ok {
				return t
			}
		}
	}
	return ""
}

// AuthenticateUpgrade authenticates a WebSocket upgrade (or any request
// seen outside the middleware, such as an API Gateway $connect event): an
// API key header, else a token.
func (c AuthConfig) AuthenticateUpgrade(r *http.Request) error {
	if c.Disabled || CredentialFromRequest(r) != "" {
		return c.authenticate(r)
	}
	if c.NoKeysConfigured() {
		return core.Errorf(core.ErrAuthentication, "%s", noKeysMessage)
	}
	tok := TokenFromRequest(r)
	if tok == "" {
		return core.Errorf(core.ErrAuthentication, "missing credentials: send X-API-Key, or a token from POST /api/v1/crawl/ws/token as ?token= or the subprotocol %s<token>", TokenProtocolPrefix)
	}
	p, err := c.verifyToken(r.Context(), tok, time.Now())
	if err != nil {
		return err
	}
	// The token stands for its key: the key's scopes, tenant and plan apply.
	ri := Info(r.Context())
	ri.Principal = p.ID
	ri.Caller = &p
	ri.usage = &usageMeter{}
	return nil
}
