package selfinvoke_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/lambdaio/selfinvoke"
)

// A local server speaking the Invoke API: 202 for an Event invocation,
// Lambda's error shapes otherwise.
func client(t *testing.T, status int, errType string) *lambda.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/functions/riptide-crawl-ws/invocations") || r.Header.Get("X-Amz-Invocation-Type") != "Event" {
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
	return lambda.New(lambda.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
}

func TestHandOff(t *testing.T) {
	task := lambdaio.WSTask{Kind: lambdaio.WSTaskKind, ConnectionID: "c1", Body: `{"type":"ping"}`}
	if err := selfinvoke.WebSocket(client(t, 202, ""), "riptide-crawl-ws")(context.Background(), task); err != nil {
		t.Fatalf("accepted invocation: %v", err)
	}
	for _, c := range []struct {
		status int
		typ    string
	}{{429, "TooManyRequestsException"}, {404, "ResourceNotFoundException"}, {500, "ServiceException"}} {
		err := selfinvoke.WebSocket(client(t, c.status, c.typ), "riptide-crawl-ws")(context.Background(), task)
		if err == nil || !strings.Contains(err.Error(), "riptide-crawl-ws") {
			t.Errorf("%d %s: %v", c.status, c.typ, err)
		}
	}
}

// With an alias the invocation names "function:alias", which the Invoke API
// resolves to the version the alias serves; without one, the bare name.
func TestHandOffThroughAlias(t *testing.T) {
	for _, c := range []struct{ alias, wantPath string }{
		{"live", "/2015-03-31/functions/riptide-crawl-ws:live/invocations"},
		{"", "/2015-03-31/functions/riptide-crawl-ws/invocations"},
	} {
		var got string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.URL.Path
			w.WriteHeader(http.StatusAccepted)
		}))
		lc := lambda.New(lambda.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
		task := lambdaio.WSTask{Kind: lambdaio.WSTaskKind, ConnectionID: "c1", Body: `{"type":"ping"}`}
		err := selfinvoke.WebSocket(lc, selfinvoke.Target("riptide-crawl-ws", c.alias))(context.Background(), task)
		srv.Close()
		if err != nil || got != c.wantPath {
			t.Errorf("alias %q: path %q, err %v; want %q", c.alias, got, err, c.wantPath)
		}
	}
}
