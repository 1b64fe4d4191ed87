package lambdarender_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/awsapi/lambdainvoke"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/render/lambdarender"
)

// fakeLambda speaks the Lambda Invoke wire protocol (REST-JSON):
// POST /2015-03-31/functions/{name}/invocations with the payload as body;
// 200 with the function's answer, X-Amz-Function-Error on a function
// error, and AWS error responses (x-amzn-ErrorType + JSON body) otherwise.
type fakeLambda struct {
	t        testing.TB
	name     string
	handle   func(w http.ResponseWriter, req render.Request)
	calls    atomic.Int64
	lastAuth atomic.Value
}

func (f *fakeLambda) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	f.lastAuth.Store(r.Header.Get("Authorization"))
	want := "/2015-03-31/functions/" + f.name + "/invocations"
	if r.Method != http.MethodPost || r.URL.Path != want {
		awsError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+r.URL.Path)
		return
	}
	if it := r.Header.Get("X-Amz-Invocation-Type"); it != "" && it != "RequestResponse" {
		awsError(w, http.StatusBadRequest, "InvalidParameterValueException", "want RequestResponse, got "+it)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req render.Request
	if err := json.Unmarshal(body, &req); err != nil {
		functionErr(w, "Unhandled", "Runtime.UnmarshalError", err.Error())
		return
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	f.handle(w, req)
}

func awsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"Type":"User","message":%q}`, msg)
}

func functionErr(w http.ResponseWriter, kind, typ, msg string) {
	w.Header().Set("X-Amz-Function-Error", kind)
	w.Header().Set("Content-Type", "application/json")
	// The Lambda runtime's error payload.
	json.NewEncoder(w).Encode(map[string]string{"errorMessage": msg, "errorType": typ})
}

func newFakeLambda(t testing.TB, handle func(w http.ResponseWriter, req render.Request)) (*fakeLambda, *lambdainvoke.Client) {
	f := &fakeLambda{t: t, name: "riptide-render", handle: handle}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client, err := lambdainvoke.New(context.Background(), aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", Source: "test"}, nil
		}),
	}, awsapi.Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return f, client
}

func TestRemoteRenderRoundTrip(t *testing.T) {
	f, client := newFakeLambda(t, func(w http.ResponseWriter, req render.Request) {
		// The function sees the request exactly as sent.
		res := render.Result{URL: req.URL, FinalURL: req.URL + "#final", Status: 200, Title: "remote", HTML: "<html>" + req.Actions[0].Script + "</html>",
			Artifacts: render.ArtifactData{Screenshot: []byte{0x89, 'P', 'N', 'G', 0}, ScreenshotFormat: render.FormatPNG},
			Cookies:   []render.Cookie{{Name: "c", Value: "v"}}, Timings: render.Timings{TotalMS: 42}}
		json.NewEncoder(w).Encode(res)
	})
	r, err := lambdarender.New(client, lambdarender.Options{FunctionName: "riptide-render"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Render(context.Background(), render.Request{URL: "https://example.test/", Actions: []render.Action{{Type: render.ActionEvaluate, Script: "1+1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Title != "remote" || res.HTML != "<html>1+1</html>" || string(res.Artifacts.Screenshot) != "\x89PNG\x00" || res.Timings.TotalMS != 42 || res.Cookies[0].Value != "v" {
		t.Fatalf("result %+v", res)
	}
	if auth, _ := f.lastAuth.Load().(string); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") {
		t.Fatalf("request not signed: %q", auth)
	}
	// An invalid request is refused without an invocation.
	before := f.calls.Load()
	_, err = r.Render(context.Background(), render.Request{URL: "ftp://x"})
	wantErrType(t, err, core.ErrInvalidURL)
	if f.calls.Load() != before {
		t.Fatal("invalid request was sent")
	}
}

func TestRemoteFunctionErrors(t *testing.T) {
	cases := []struct {
		name     string
		typ, msg string
		want     core.ErrorType
		wantMsg  string
	}{
		{"typed timeout", "timeout_error", "render deadline passed while waiting", core.ErrTimeout, "render deadline passed while waiting"},
		{"typed blocked", "blocked_url", "the address guard refused http://10.0.0.1/", core.ErrBlockedURL, "the address guard refused http://10.0.0.1/"},
		{"runtime crash", "Runtime.ExitError", "RequestId: abc Error: Runtime exited with error: signal: killed", core.ErrRender, "the render function failed"},
		{"untyped go error", "errorString", "secret internal detail", core.ErrRender, "the render function failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, client := newFakeLambda(t, func(w http.ResponseWriter, req render.Request) { functionErr(w, "Unhandled", c.typ, c.msg) })
			r, _ := lambdarender.New(client, lambdarender.Options{FunctionName: "riptide-render"})
			_, err := r.Render(context.Background(), render.Request{URL: "https://example.test/"})
			wantErrType(t, err, c.want)
			if got := core.AsError(err).Message; got != c.wantMsg {
				t.Fatalf("message %q", got)
			}
		})
	}
}

func TestRemoteThrottlingAndTimeouts(t *testing.T) {
	var throttles atomic.Int64
	f, client := newFakeLambda(t, func(w http.ResponseWriter, req render.Request) {
		switch req.URL {
		case "https://throttled.test/":
			throttles.Add(1)
			w.Header().Set("Retry-After", "7")
			awsError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
		case "https://once.test/":
			if throttles.Add(1) == 1 {
				awsError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
				return
			}
			json.NewEncoder(w).Encode(render.Result{URL: req.URL, Status: 200})
		case "https://slow.test/":
			time.Sleep(6 * time.Second) // well past the 500ms timeout below, and the 4s bound
			json.NewEncoder(w).Encode(render.Result{URL: req.URL})
		case "https://broken.test/":
			awsError(w, http.StatusInternalServerError, "ServiceException", "internal failure")
		}
	})
	r, _ := lambdarender.New(client, lambdarender.Options{FunctionName: "riptide-render", Overhead: time.Millisecond})

	_, err := r.Render(context.Background(), render.Request{URL: "https://throttled.test/"})
	wantErrType(t, err, core.ErrRateLimited)
	if e := core.AsError(err); e.RetryAfterSeconds != 7 {
		t.Fatalf("retry after %d", e.RetryAfterSeconds)
	}
	if n := throttles.Load(); n < 2 {
		t.Fatalf("a throttled invocation should be retried, got %d attempts", n)
	}
	throttles.Store(0)
	if res, err := r.Render(context.Background(), render.Request{URL: "https://once.test/"}); err != nil || res.Status != 200 {
		t.Fatalf("one throttle then success: %v", err)
	}

	start := time.Now()
	_, err = r.Render(context.Background(), render.Request{URL: "https://slow.test/", TimeoutMS: 500})
	wantErrType(t, err, core.ErrTimeout)
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = r.Render(ctx, render.Request{URL: "https://slow.test/"})
	wantErrType(t, err, core.ErrTimeout)

	_, err = r.Render(context.Background(), render.Request{URL: "https://broken.test/"})
	wantErrType(t, err, core.ErrDependency)

	wrong, _ := lambdarender.New(client, lambdarender.Options{FunctionName: "no-such-function"})
	_, err = wrong.Render(context.Background(), render.Request{URL: "https://example.test/"})
	wantErrType(t, err, core.ErrDependency)
	if !strings.Contains(core.AsError(err).Message, "ResourceNotFoundException") {
		t.Fatalf("message %q", core.AsError(err).Message)
	}
	_ = f
}

// TestRemoteOverLocalWithChromium runs the whole path: the remote adapter
// invokes a fake Lambda whose handler is the real Local renderer.
func TestRemoteOverLocalWithChromium(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>Fixture home</title></head><body><h1>Hello</h1></body></html>`)
	}))
	defer srv.Close()
	chromium, err := render.FindChromium()
	if err != nil {
		testenv.Missing(t, "chromium", err.Error())
	}
	l, err := render.NewLocal(render.LocalOptions{ExecPath: chromium, Guard: render.GuardFunc(func(context.Context, *url.URL) error { return nil })})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, client := newFakeLambda(t, func(w http.ResponseWriter, req render.Request) {
		res, err := l.Render(context.Background(), req)
		if err != nil {
			typ, msg := lambdarender.FunctionErrorOf(err)
			functionErr(w, "Unhandled", typ, msg)
			return
		}
		json.NewEncoder(w).Encode(res)
	})
	r, _ := lambdarender.New(client, lambdarender.Options{FunctionName: "riptide-render"})
	res, err := r.Render(context.Background(), render.Request{URL: srv.URL + "/", Artifacts: render.Artifacts{Screenshot: &render.ScreenshotOptions{}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Title != "Fixture home" || len(res.Artifacts.Screenshot) < 100 {
		t.Fatalf("remote render: %q, %d screenshot bytes", res.Title, len(res.Artifacts.Screenshot))
	}
	_, err = r.Render(context.Background(), render.Request{URL: srv.URL + "/", Wait: []render.WaitCondition{{Type: render.WaitSelector, Selector: "#never", TimeoutMS: 200}}})
	wantErrType(t, err, core.ErrTimeout)
}

func wantErrType(t *testing.T, err error, want core.ErrorType) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got no error", want)
	}
	if got := core.TypeOf(err); got != want {
		t.Fatalf("want %s, got %s: %v", want, got, err)
	}
}
