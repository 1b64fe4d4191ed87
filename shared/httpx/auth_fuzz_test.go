package httpx_test

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

// FuzzAuthCredentialParsing feeds arbitrary X-API-Key, Authorization,
// ?token= and WebSocket subprotocol values to the authentication of every
// route (AuthenticateUpgrade covers keys, bearer keys and WebSocket
// tokens). It must never panic, must refuse with authentication_error
// only, and must let a request in only with the configured key or a token
// issued for it.
func FuzzAuthCredentialParsing(f *testing.F) {
	const key = "fuzz-secret-key-0123456789"
	now := time.Now()
	valid, _ := httpx.IssueToken(key, time.Hour, now)
	f.Add(key, "", "", "")
	f.Add("", "Bearer "+key, "", "")
	f.Add("", "bearer  "+key+" ", "", "")
	f.Add("", "", valid, "")
	f.Add("", "", "", "riptide.token."+valid+", chat")
	f.Add(" ", "Bearer", "rt1.9999999999.key_x.AAAA", httpx.TokenProtocolPrefix)
	f.Add("", "Basic Zm9vOmJhcg==", "rt1...", "riptide.token.rt1.1.2.3")
	auth := httpx.AuthConfig{Authenticator: httpx.NewStaticKeys([]string{key})}
	f.Fuzz(func(t *testing.T, apiKey, authorization, token, protocol string) {
		r := httptest.NewRequest("GET", "/api/v1/crawl/ws", nil)
		r.Header.Set("X-API-Key", apiKey)
		r.Header.Set("Authorization", authorization)
		r.Header.Set("Sec-WebSocket-Protocol", protocol)
		r.URL.RawQuery = url.Values{"token": {token}}.Encode()
		r = r.WithContext(httpx.WithInfo(r.Context(), &httpx.RequestInfo{}))
		err := auth.AuthenticateUpgrade(r)
		cred := httpx.CredentialFromRequest(r)
		switch {
		case err == nil:
			if cred != key && (cred != "" || httpx.TokenFromRequest(r) != valid) {
				t.Fatalf("let in with key %q, authorization %q, token %q, protocol %q", apiKey, authorization, token, protocol)
			}
		case core.TypeOf(err) != core.ErrAuthentication:
			t.Fatalf("refused with %v, want authentication_error", err)
		case cred == key:
			t.Fatalf("the configured key was refused: %v", err)
		}
	})
}
