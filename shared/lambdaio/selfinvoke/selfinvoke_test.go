package selfinvoke_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/awsapi/lambdainvoke"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/lambdaio/selfinvoke"
)

func newClient(t *testing.T, url string) *lambdainvoke.Client {
	t.Helper()
	c, err := lambdainvoke.New(context.Background(), aws.Config{Region: "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}, awsapi.Options{Endpoint: url, SingleAttempt: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A local server speaking the Invoke API: 202 for an Event invocation,
// Lambda's error shapes otherwise.
func client(t *testing.T, status int, errType string) *lambdainvoke.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/functions/riptide-crawl-ws/invocations") || r.Header.Get("X-Amz-Invocation-Type") != "Event" ||
			!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=a/") || !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/lambda/aws4_request") {
			http.Error(w, "bad request", 400)
			return
		}
		if errType != "" {
			w.Header().Set("X-Amzn-Errortype", errType)
			w.WriteHeader(status)
			w.Write([]byte(`{"Type":"User","message":"` + errType + `"}`))
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return newClient(t, srv.URL)
}

func TestHandOff(t *testing.T) {
	task := lambdaio.WSTask{Kind: lambdaio.WSTaskKind, ConnectionID: "c1", Body: `{"type":"ping"}`}
	if err := selfinvoke.WebSocket(client(t, 202, ""), "riptide-crawl-ws")(context.Background(), task); err != nil {
		t.Fatalf("accepted invocation: %v", err)
	}
	for _, c := range []struct {
		status int
		typ    string
	}{{429, "TooManyRequestsException"}, {404, "ResourceNotFoundException"}, {500, "ServiceException"}, {200, ""}} {
		err := selfinvoke.WebSocket(client(t, c.status, c.typ), "riptide-crawl-ws")(context.Background(), task)
		if err == nil || !strings.Contains(err.Error(), "riptide-crawl-ws") || !strings.Contains(err.Error(), c.typ) {
			t.Errorf("%d %s: %v", c.status, c.typ, err)
		}
	}
}

// With an alias the invocation names "function:alias" (escaped as the SDK
// escapes a path label), which the Invoke API resolves to the version the
// alias serves; without one, the bare name.
func TestHandOffThroughAlias(t *testing.T) {
	for _, c := range []struct{ alias, wantPath, wantRaw string }{
		{"live", "/2015-03-31/functions/riptide-crawl-ws:live/invocations", "/2015-03-31/functions/riptide-crawl-ws%3Alive/invocations"},
		{"", "/2015-03-31/functions/riptide-crawl-ws/invocations", "/2015-03-31/functions/riptide-crawl-ws/invocations"},
	} {
		var got, raw string
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			got, raw = r.URL.Path, r.URL.EscapedPath()
			w.WriteHeader(http.StatusAccepted)
		}))
		task := lambdaio.WSTask{Kind: lambdaio.WSTaskKind, ConnectionID: "c1", Body: `{"type":"ping"}`}
		err := selfinvoke.WebSocket(newClient(t, srv.URL), selfinvoke.Target("riptide-crawl-ws", c.alias))(context.Background(), task)
		srv.Close()
		if err != nil || got != c.wantPath || raw != c.wantRaw || calls.Load() != 1 {
			t.Errorf("alias %q: path %q (%q), err %v; want %q", c.alias, got, raw, err, c.wantRaw)
		}
	}
}
