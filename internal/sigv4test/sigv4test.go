// Package sigv4test is the server side of AWS Signature Version 4 for
// tests: loopback servers that stand in for an AWS service check every
// request's signature the way AWS does, by signing it again.
package sigv4test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
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
	return verify(r, body, creds, region, service, v4.NewSigner())
}

// VerifyS3 is Verify with S3's rules: the path is signed as sent (not
// escaped again) and X-Amz-Content-Sha256 must carry the body's SHA-256.
func VerifyS3(r *http.Request, body []byte, creds aws.Credentials, region string) string {
	sum := sha256.Sum256(body)
	if got := r.Header.Get("X-Amz-Content-Sha256"); got != hex.EncodeToString(sum[:]) {
		return "X-Amz-Content-Sha256 " + got + " is not the body's SHA-256"
	}
	return verify(r, body, creds, region, "s3", s3Signer())
}

func s3Signer() *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
}

// VerifyPresignedS3 checks a request made with an S3 presigned URL: its
// X-Amz-* query parameters sign the rest of the request (the headers named
// in X-Amz-SignedHeaders with the values received) for creds, region and
// "s3", and the URL has not expired at now.
func VerifyPresignedS3(r *http.Request, creds aws.Credentials, region string, now time.Time) string {
	q := r.URL.Query()
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(scope) != 5 || scope[0] != creds.AccessKeyID || scope[2] != region || scope[3] != "s3" || scope[4] != "aws4_request" {
		return "credential scope " + q.Get("X-Amz-Credential")
	}
	if q.Get("X-Amz-Security-Token") != creds.SessionToken {
		return "no session token"
	}
	signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return "X-Amz-Date: " + err.Error()
	}
	expires, err := time.ParseDuration(q.Get("X-Amz-Expires") + "s")
	if err != nil {
		return "X-Amz-Expires: " + q.Get("X-Amz-Expires")
	}
	if now.After(signed.Add(expires)) {
		return "expired"
	}
	got := q.Get("X-Amz-Signature")
	// Sign the request again from the query it had before signing.
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"} {
		q.Del(k)
	}
	u := "http://" + r.Host + r.URL.EscapedPath() + "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
	re, _ := http.NewRequest(r.Method, u, nil)
	for _, h := range strings.Split(r.URL.Query().Get("X-Amz-SignedHeaders"), ";") {
		if h != "host" {
			re.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	again, _, err := s3Signer().PresignHTTP(context.Background(), creds, re, "UNSIGNED-PAYLOAD", "s3", region, signed)
	if err != nil {
		return err.Error()
	}
	au, err := url.Parse(again)
	if err != nil {
		return err.Error()
	}
	if want := au.Query().Get("X-Amz-Signature"); got != want {
		return "signature mismatch (signed headers " + r.URL.Query().Get("X-Amz-SignedHeaders") + ")"
	}
	return ""
}

func verify(r *http.Request, body []byte, creds aws.Credentials, region, service string, signer *v4.Signer) string {
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
	if err := signer.SignHTTP(context.Background(), creds, re, hex.EncodeToString(sum[:]), service, region, signed); err != nil {
		return err.Error()
	}
	if got, want := fields["Signature"], strings.Split(re.Header.Get("Authorization"), "Signature=")[1]; got != want {
		return "signature mismatch (signed headers " + fields["SignedHeaders"] + ")"
	}
	return ""
}
