// Package sigv4test is the server side of AWS Signature Version 4 for
// tests: loopback servers that stand in for an AWS service check every
// request's signature the way AWS does, by signing it again.
package sigv4test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Verify signs the received request r (with body) again with creds, region
// and service at the request's own X-Amz-Date, and compares signatures. It
// returns "" when the request is signed right, else what is wrong. A
// session token in creds must come as X-Amz-Security-Token.
func Verify(r *http.Request, body []byte, creds aws.Credentials, region, service string) string {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
		return "no SigV4 Authorization header"
	}
	fields := map[string]string{}
	for _, p := range strings.Split(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 "), ", ") {
		k, v, _ := strings.Cut(p, "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[0] != creds.AccessKeyID || scope[2] != region || scope[3] != service || scope[4] != "aws4_request" {
		return "credential scope " + fields["Credential"]
	}
	if r.Header.Get("X-Amz-Security-Token") != creds.SessionToken {
		return "no session token"
	}
	signed, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "X-Amz-Date: " + err.Error()
	}
	re, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	re.ContentLength = int64(len(body)) // signed as content-length
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		if h != "host" {
			re.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, re, hex.EncodeToString(sum[:]), service, region, signed); err != nil {
		return err.Error()
	}
	if got, want := fields["Signature"], strings.Split(re.Header.Get("Authorization"), "Signature=")[1]; got != want {
		return "signature mismatch (signed headers " + fields["SignedHeaders"] + ")"
	}
	return ""
}
