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
// API key header. A token is "rt1.<expiry>.<key fingerprint>.<mac>", the MAC
// keyed with the SHA-256 digest of the API key that asked for it. No server
// secret is needed, any instance (any Lambda) can verify it from the key
// list, and revoking the key revokes its tokens.

// TokenProtocolPrefix marks a token sent as a Sec-WebSocket-Protocol value.
const TokenProtocolPrefix = "riptide.token."

// MaxTokenTTL bounds the lifetime of a token.
const MaxTokenTTL = 10 * time.Minute

// IssueToken returns a token for apiKey valid until now+ttl.
func IssueToken(apiKey string, ttl time.Duration, now time.Time) (string, time.Time) {
	exp := now.Add(ttl).Truncate(time.Second)
	d := sha256.Sum256([]byte(apiKey))
	fp := hex.EncodeToString(d[:6])
	return "rt1." + strconv.FormatInt(exp.Unix(), 10) + "." + fp + "." + tokenMAC(d, exp.Unix(), fp), exp
}

func tokenMAC(digest [32]byte, exp int64, fp string) string {
	m := hmac.New(sha256.New, digest[:])
	fmt.Fprintf(m, "riptide-ws|%d|%s", exp, fp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// keyDigester is implemented by authenticators that can list the SHA-256
// digests of their keys, which token verification needs.
type keyDigester interface {
	KeyDigests(ctx context.Context) ([][32]byte, error)
}

// KeyDigests implements keyDigester.
func (s *StaticKeys) KeyDigests(context.Context) ([][32]byte, error) { return s.digests, nil }

// KeyDigests implements keyDigester.
// Keys of the previous version count during the overlap.
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
	kd, ok := c.Authenticator.(keyDigester)
	if !ok {
		return Principal{}, invalid
	}
	digests, err := kd.KeyDigests(ctx)
	if err != nil {
		return Principal{}, err
	}
	for _, d := range digests {
		if hex.EncodeToString(d[:6]) != parts[2] {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(tokenMAC(d, exp, parts[2])), []byte(parts[3])) == 1 {
			return Principal{ID: "key_" + parts[2]}, nil
		}
	}
	return Principal{}, invalid
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
	Info(r.Context()).Principal = p.ID
	return nil
}
