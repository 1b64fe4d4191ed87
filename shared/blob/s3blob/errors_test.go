package s3blob

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/riptidecrawler/riptide/internal/sigv4test"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/blob"
)

var fakeCreds = aws.Credentials{AccessKeyID: "AKIDS3BLOBTEST", SecretAccessKey: "s3blob-secret", SessionToken: "session-token"}

// fakeS3 is a loopback S3 for the error paths moto cannot produce: it
// checks every request's signature the way S3 does (S3's path and payload
// hash rules, presigned query signatures), then answers with reply.
type fakeS3 struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string]int // "METHOD path" -> requests
}

func newFakeS3(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request, body []byte)) *fakeS3 {
	f := &fakeS3{calls: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var msg string
		if r.URL.Query().Has("X-Amz-Signature") {
			msg = sigv4test.VerifyPresignedS3(r, fakeCreds, "eu-west-1", time.Now())
		} else {
			msg = sigv4test.VerifyS3(r, body, fakeCreds, "eu-west-1")
		}
		if msg != "" {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "<Error><Code>SignatureDoesNotMatch</Code><Message>"+msg+"</Message></Error>")
			return
		}
		f.mu.Lock()
		f.calls[r.Method+" "+r.URL.Path]++
		n := f.calls[r.Method+" "+r.URL.Path]
		f.mu.Unlock()
		reply(n, w, r, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeS3) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

func fakeStore(t *testing.T, f *fakeS3) *Store {
	t.Helper()
	cfg := aws.Config{Region: "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider(fakeCreds.AccessKeyID, fakeCreds.SecretAccessKey, fakeCreds.SessionToken),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			})
		}}
	st, err := New(context.Background(), cfg, "bkt", "artifacts/", awsapi.Options{Endpoint: f.URL})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Amz-Request-Id", "REQ"+code)
	w.WriteHeader(status)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>"+code+"</Code><Message>"+msg+"</Message><RequestId>REQ"+code+"</RequestId></Error>")
}

func TestS3ErrorPaths(t *testing.T) {
	f := newFakeS3(t, func(n int, w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.Method + " " + r.URL.Path {
		case "PUT /bkt/artifacts/slow.txt":
			if n == 1 {
				s3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
				return
			}
			if string(body) != "payload" || r.Header.Get("Content-Type") != "text/plain" {
				s3Error(w, http.StatusBadRequest, "BadDigest", "unexpected body")
				return
			}
		case "GET /bkt/artifacts/missing.txt":
			s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		case "HEAD /bkt/artifacts/gone.txt":
			w.WriteHeader(http.StatusNotFound) // HEAD answers carry no body
		case "GET /bkt/artifacts/denied.txt":
			s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
		case "GET /bkt/":
			w.Write([]byte("<html>not a listing"))
		case "GET /bkt/artifacts/linked.txt", "PUT /bkt/artifacts/up.pdf":
			w.Write([]byte("ok"))
		default:
			s3Error(w, http.StatusNotImplemented, "NotImplemented", r.Method+" "+r.URL.Path)
		}
	})
	st := fakeStore(t, f)
	ctx := context.Background()

	// Throttling is retried with the SDK's retryer; the second attempt lands.
	if err := st.Put(ctx, "slow.txt", "text/plain", []byte("payload")); err != nil {
		t.Fatalf("put after SlowDown: %v", err)
	}
	if n := f.count("PUT /bkt/artifacts/slow.txt"); n != 2 {
		t.Fatalf("PUT sent %d times, want 2", n)
	}
	if _, _, err := st.Get(ctx, "missing.txt"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("NoSuchKey: %v, want ErrNotFound", err)
	}
	if err := st.Delete(ctx, "gone.txt"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("HEAD 404: %v, want ErrNotFound", err)
	}
	if f.count("DELETE /bkt/artifacts/gone.txt") != 0 {
		t.Fatal("deleted a key that does not exist")
	}
	_, _, err := st.Get(ctx, "denied.txt")
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Code != "AccessDenied" || ae.Message != "Access Denied" || ae.RequestID != "REQAccessDenied" ||
		errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "s3://bkt/artifacts/denied.txt") {
		t.Fatalf("AccessDenied: %v", err)
	}
	if n := f.count("GET /bkt/artifacts/denied.txt"); n != 1 {
		t.Fatalf("AccessDenied retried: %d requests", n)
	}
	var re *awsapi.ResponseError
	if _, err := st.List(ctx, ""); !errors.As(err, &re) {
		t.Fatalf("a listing that is not XML: %v, want *awsapi.ResponseError", err)
	}
	if _, err := st.UploadLink(ctx, "../x", "application/pdf", time.Minute); err == nil {
		t.Fatal("presigned a key the port refuses")
	}
	if _, err := st.DownloadLink(ctx, "linked.txt", 0); err == nil {
		t.Fatal("presigned a link that expires at once")
	}

	// Presigned links carry a signature S3 accepts; the upload link binds
	// the content type: another type breaks the signature.
	link, err := st.DownloadLink(ctx, "linked.txt", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(link); err != nil || resp.StatusCode != 200 {
		t.Fatalf("presigned GET: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	up, err := st.UploadLink(ctx, "up.pdf", "application/pdf", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for ct, want := range map[string]int{"application/pdf": 200, "text/html": 403} {
		req, _ := http.NewRequest(http.MethodPut, up, strings.NewReader("%PDF-1.4"))
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("presigned PUT as %s: %d, want %d", ct, resp.StatusCode, want)
		}
	}
}
