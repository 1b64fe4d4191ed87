package secrets_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/secrets"
)

// TestSecretsManagerAnswers covers what moto does not: binary secrets,
// creation dates, and answers that are not GetSecretValue's, from a
// loopback server speaking the JSON 1.1 protocol.
func TestSecretsManagerAnswers(t *testing.T) {
	var answer struct {
		status int
		header http.Header
		body   string
	}
	var target, contentType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target, contentType = r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type")
		_, _ = io.Copy(io.Discard, r.Body)
		for k, v := range answer.header {
			w.Header()[k] = v
		}
		w.WriteHeader(answer.status)
		_, _ = io.WriteString(w, answer.body)
	}))
	defer srv.Close()
	ctx := context.Background()
	sm, err := secrets.NewSecretsManager(ctx, aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err != nil {
		t.Fatal(err)
	}
	set := func(status int, body string, header ...string) {
		answer.status, answer.body, answer.header = status, body, http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			answer.header.Set(header[i], header[i+1])
		}
	}

	set(200, `{"ARN":"arn:aws:secretsmanager:eu-west-1:1:secret:k","Name":"k","SecretBinary":"aGVsbG8=","CreatedDate":1.7641728005E9}`)
	v, err := sm.GetStage(ctx, "k", secrets.StageCurrent)
	if err != nil || v.Value != "hello" || !v.Created.Equal(time.Unix(1764172800, 500_000_000)) {
		t.Fatalf("binary secret: %+v %v", v, err)
	}
	if target != "secretsmanager.GetSecretValue" || contentType != "application/x-amz-json-1.1" {
		t.Fatalf("request: target %q, content type %q", target, contentType)
	}

	set(400, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
	if _, err := sm.Get(ctx, "gone"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("not found: %v", err)
	}
	set(400, `{"__type":"AccessDeniedException","Message":"User is not authorized"}`, "X-Amzn-RequestId", "req-1")
	_, err = sm.Get(ctx, "k")
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Code != "AccessDeniedException" || errors.Is(err, secrets.ErrNotFound) || !strings.Contains(err.Error(), "read secret k") {
		t.Fatalf("access denied: %v", err)
	}
	set(200, `<html>proxy</html>`)
	if _, err := sm.Get(ctx, "k"); err == nil || !strings.Contains(err.Error(), "not GetSecretValue's JSON") {
		t.Fatalf("HTML answer: %v", err)
	}
	set(200, `{"Name":"k"}`)
	if _, err := sm.Get(ctx, "k"); err == nil || !strings.Contains(err.Error(), "no value") {
		t.Fatalf("no value: %v", err)
	}
}
