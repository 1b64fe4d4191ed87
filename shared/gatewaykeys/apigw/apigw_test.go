package apigw_test

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
	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys/apigw"
)

var fakeCreds = aws.Credentials{AccessKeyID: "AKIDAPIGWFAKE", SecretAccessKey: "apigw-secret"}

// fake stands in for API Gateway's control plane where moto cannot (its
// errors, throttling, paging): it checks each request's signature and
// answers with reply.
type fake struct {
	mu    sync.Mutex
	calls []string // "METHOD path?query"
}

func newFake(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request, body string)) (*fake, *apigw.Client) {
	t.Helper()
	f := &fake{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.calls = append(f.calls, r.Method+" "+r.URL.RequestURI())
		n := len(f.calls)
		f.mu.Unlock()
		if msg := sigv4test.Verify(r, raw, fakeCreds, "eu-west-1", "apigateway"); msg != "" {
			awsError(w, 403, "InvalidSignatureException", msg)
			return
		}
		reply(n, w, r, string(raw))
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(fakeCreds.AccessKeyID, fakeCreds.SecretAccessKey, ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			})
		}}
	c, err := apigw.New(context.Background(), cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fake) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// awsError answers as API Gateway does (REST-JSON: the code in
// x-amzn-ErrorType, the message in the body).
func awsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	io.WriteString(w, `{"message":"`+msg+`"}`)
}

// A value that exists is ErrKeyExists (the Meter then finds the key), and
// a throttled call is retried by the standard retryer.
func TestCreateKeyOnTheWire(t *testing.T) {
	f, c := newFake(t, func(n int, w http.ResponseWriter, r *http.Request, body string) {
		switch n {
		case 1:
			if !strings.Contains(body, `"enabled":true`) || !strings.Contains(body, `"value":"v-aaaaaaaaaaaaaaaaaaaa"`) {
				awsError(w, 400, "BadRequestException", "unexpected body "+body)
				return
			}
			w.WriteHeader(201)
			io.WriteString(w, `{"id":"k1","name":"s-rtk_a","enabled":true}`)
		case 2:
			awsError(w, 409, "ConflictException", "API Key already exists")
		case 3:
			awsError(w, 429, "TooManyRequestsException", "Too Many Requests")
		default:
			w.WriteHeader(201)
			io.WriteString(w, `{"id":"k2"}`)
		}
	})
	ctx := context.Background()
	if id, err := c.CreateKey(ctx, "s-rtk_a", "v-aaaaaaaaaaaaaaaaaaaa", "d"); err != nil || id != "k1" {
		t.Fatalf("create: %q, %v", id, err)
	}
	if _, err := c.CreateKey(ctx, "s-rtk_a", "v-aaaaaaaaaaaaaaaaaaaa", "d"); !errors.Is(err, gatewaykeys.ErrKeyExists) {
		t.Fatalf("conflict: %v, want ErrKeyExists", err)
	}
	if id, err := c.CreateKey(ctx, "s-rtk_b", "v-bbbbbbbbbbbbbbbbbbbb", "d"); err != nil || id != "k2" {
		t.Fatalf("after a throttle: %q, %v", id, err)
	}
	if got := f.recorded(); len(got) != 4 || got[0] != "POST /apikeys" {
		t.Fatalf("calls %v", got)
	}
}

// Lists follow position until the last page; FindKey compares the name
// exactly (the API's name filter is a prefix match).
func TestListsFollowEveryPage(t *testing.T) {
	f, c := newFake(t, func(n int, w http.ResponseWriter, r *http.Request, _ string) {
		switch r.URL.Query().Get("position") {
		case "":
			io.WriteString(w, `{"item":[{"id":"k1","name":"s-rtk_a2","value":"x"}],"position":"p2"}`)
		case "p2":
			io.WriteString(w, `{"item":[{"id":"k2","name":"s-rtk_a","value":"x"}]}`)
		default:
			awsError(w, 400, "BadRequestException", "bad position")
		}
	})
	id, err := c.FindKey(context.Background(), "s-rtk_a", "x")
	if err != nil || id != "k2" {
		t.Fatalf("find: %q, %v", id, err)
	}
	got := f.recorded()
	if len(got) != 2 || !strings.Contains(got[0], "includeValues=true") || !strings.Contains(got[0], "limit=500") || !strings.Contains(got[1], "position=p2") {
		t.Fatalf("calls %v", got)
	}
	if _, err := c.FindKey(context.Background(), "s-rtk_zz", "x"); !errors.Is(err, gatewaykeys.ErrNotFound) {
		t.Fatalf("absent key: %v, want ErrNotFound", err)
	}
}

// Plan membership: adding a key the plan has is not an error, removing
// one it lacks is ErrNotFound, a server error is an error after retries,
// and a 2xx body that is not the operation's JSON is an error, not an
// empty list.
func TestPlanMembershipErrors(t *testing.T) {
	_, c := newFake(t, func(n int, w http.ResponseWriter, r *http.Request, _ string) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/usageplans/up1/keys":
			awsError(w, 409, "ConflictException", "already in plan")
		case r.Method == http.MethodDelete && r.URL.Path == "/usageplans/up1/keys/k1":
			awsError(w, 404, "NotFoundException", "Invalid Usage Plan ID specified")
		case r.Method == http.MethodPost && r.URL.Path == "/usageplans/up2/keys":
			awsError(w, 503, "ServiceUnavailableException", "try later")
		case r.Method == http.MethodGet && r.URL.Path == "/usageplans":
			io.WriteString(w, `<html>proxy error</html>`)
		default:
			awsError(w, 400, "BadRequestException", "unexpected "+r.Method+" "+r.URL.Path)
		}
	})
	ctx := context.Background()
	if err := c.AddToPlan(ctx, "up1", "k1"); err != nil {
		t.Fatalf("add to a plan that has the key: %v", err)
	}
	if err := c.RemoveFromPlan(ctx, "up1", "k1"); !errors.Is(err, gatewaykeys.ErrNotFound) {
		t.Fatalf("remove a key the plan lacks: %v, want ErrNotFound", err)
	}
	err := c.AddToPlan(ctx, "up2", "k1")
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.StatusCode != 503 {
		t.Fatalf("server error: %v", err)
	}
	if _, err := c.PlansOf(ctx, "k1"); err == nil {
		t.Fatal("a body that is not JSON read as no plans")
	}
	if _, err := c.UsagePlanID(ctx, "s-default"); err == nil {
		t.Fatal("a body that is not JSON read as no plan")
	}
}
