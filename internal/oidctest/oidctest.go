// Package oidctest is an OAuth2/OIDC identity provider on loopback for
// tests: discovery, a JWKS endpoint, and RSA keys that sign real tokens.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// IdP is an OIDC provider on loopback: a discovery document, a JWKS
// endpoint, and RSA keys that sign real tokens. Its key can be rotated and
// its discovery taken down.
type IdP struct {
	Srv *httptest.Server
	Mu  sync.Mutex
	key *rsa.PrivateKey
	kid string
	// Down makes discovery answer 503 (set under Mu).
	Down bool
	// JWKSFetches counts JWKS requests (read under Mu).
	JWKSFetches int
}

func New(t testing.TB) *IdP {
	idp := &IdP{}
	idp.Rotate(t, "k1")
	idp.Srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idp.Mu.Lock()
		defer idp.Mu.Unlock()
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			if idp.Down {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"issuer": idp.Srv.URL, "jwks_uri": idp.Srv.URL + "/keys",
				"id_token_signing_alg_values_supported": []string{"RS256"}})
		case "/keys":
			idp.JWKSFetches++
			_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &idp.key.PublicKey, KeyID: idp.kid, Algorithm: "RS256", Use: "sig"}}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(idp.Srv.Close)
	return idp
}

func (idp *IdP) Rotate(t testing.TB, kid string) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	idp.Mu.Lock()
	idp.key, idp.kid = k, kid
	idp.Mu.Unlock()
}

// Token signs claims over defaults (iss, aud "riptide-api", sub, iat, exp
// in an hour) with the current key; a nil value removes a default.
func (idp *IdP) Token(t testing.TB, claims map[string]any) string {
	idp.Mu.Lock()
	key, kid := idp.key, idp.kid
	idp.Mu.Unlock()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]any{"iss": idp.Srv.URL, "aud": "riptide-api", "sub": "user-1", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	raw, err := jwt.Signed(sig).Claims(base).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
