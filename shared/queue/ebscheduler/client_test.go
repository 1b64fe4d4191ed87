package ebscheduler_test

import (
	"context"
	"encoding/json"
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
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/queue/ebscheduler"
)

var fakeCreds = aws.Credentials{AccessKeyID: "AKIDSCHEDFAKE", SecretAccessKey: "sched-secret"}

type call struct {
	method, path, query string
	body                map[string]any
	contentType         string
}

// fakeScheduler stands in for EventBridge Scheduler on loopback where moto
// cannot: it checks signatures, records the calls and answers with reply.
type fakeScheduler struct {
	*httptest.Server
	mu    sync.Mutex
	calls []call
}

func newFakeScheduler(t *testing.T, reply func(n int, c call, w http.ResponseWriter, r *http.Request)) (*fakeScheduler, *ebscheduler.Trigger) {
	f := &fakeScheduler{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		c := call{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery, contentType: r.Header.Get("Content-Type")}
		_ = json.Unmarshal(raw, &c.body)
		f.mu.Lock()
		f.calls = append(f.calls, c)
		n := len(f.calls)
		f.mu.Unlock()
		if msg := sigv4test.Verify(r, raw, fakeCreds, "eu-west-1", "scheduler"); msg != "" {
			w.Header().Set("X-Amzn-ErrorType", "InvalidSignatureException")
			w.WriteHeader(403)
			io.WriteString(w, `{"Message":"`+msg+`"}`)
			return
		}
		reply(n, c, w, r)
	}))
	t.Cleanup(f.Close)
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(f.URL),
		Credentials: credentials.NewStaticCredentialsProvider(fakeCreds.AccessKeyID, fakeCreds.SecretAccessKey, ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			})
		}}
	return f, &ebscheduler.Trigger{Client: client(t, cfg), Group: "riptide-g", RoleARN: "arn:aws:iam::123456789012:role/sched",
		QueueARN: "arn:aws:sqs:eu-west-1:123456789012:jobs"}
}

func (f *fakeScheduler) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func awsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	io.WriteString(w, `{"Message":"`+msg+`"}`)
}

var schedule = &jobs.Schedule{ID: "0123456789abcdef", Expression: "rate(1 hour)", Timezone: "UTC", Template: jobs.Spec{Type: jobs.TypeSingleCrawl}}

// A schedule that exists is replaced: CreateSchedule (POST) answers 409,
// UpdateSchedule (PUT) sends the same members. Each call has its own
// client token; a retry keeps its call's.
func TestPutOnTheWire(t *testing.T) {
	f, tr := newFakeScheduler(t, func(n int, _ call, w http.ResponseWriter, _ *http.Request) {
		switch n {
		case 1:
			awsError(w, 409, "ConflictException", "Schedule riptide-x already exists.")
		case 2:
			awsError(w, 429, "ThrottlingException", "Rate exceeded")
		default:
			io.WriteString(w, `{"ScheduleArn":"arn:aws:scheduler:eu-west-1:123456789012:schedule/riptide-g/riptide-x"}`)
		}
	})
	if err := tr.Put(context.Background(), schedule); err != nil {
		t.Fatal(err)
	}
	calls := f.recorded()
	if len(calls) != 3 || calls[0].method != "POST" || calls[1].method != "PUT" || calls[2].method != "PUT" {
		t.Fatalf("calls %+v", calls)
	}
	for _, c := range calls {
		if c.path != "/schedules/riptide-"+schedule.ID || c.query != "" || c.contentType != "application/json" {
			t.Errorf("call %+v", c)
		}
	}
	tok := func(c call) string { s, _ := c.body["ClientToken"].(string); return s }
	if tok(calls[0]) == "" || tok(calls[0]) == tok(calls[1]) || tok(calls[1]) != tok(calls[2]) {
		t.Errorf("client tokens %q %q %q: want one per call, kept across its retries", tok(calls[0]), tok(calls[1]), tok(calls[2]))
	}
	b := calls[0].body
	delete(b, "ClientToken")
	got, _ := json.Marshal(b)
	want := `{"Description":"RipTide schedule 0123456789abcdef","FlexibleTimeWindow":{"Mode":"OFF"},"GroupName":"riptide-g",` +
		`"ScheduleExpression":"rate(1 hour)","ScheduleExpressionTimezone":"UTC","State":"ENABLED",` +
		`"Target":{"Arn":"arn:aws:sqs:eu-west-1:123456789012:jobs","Input":` + mustJSON(string(jobs.ScheduleMessage(schedule.ID, jobs.SchedulerTimePlaceholder))) +
		`,"RoleArn":"arn:aws:iam::123456789012:role/sched"}}`
	if string(got) != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDeleteOnTheWire(t *testing.T) {
	f, tr := newFakeScheduler(t, func(n int, _ call, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			awsError(w, 404, "ResourceNotFoundException", "Schedule riptide-x does not exist.")
			return
		}
		io.WriteString(w, `{}`)
	})
	if err := tr.Delete(context.Background(), "gone"); err != nil {
		t.Fatalf("a schedule already gone: %v", err)
	}
	c := f.recorded()[0]
	if c.method != "DELETE" || c.path != "/schedules/riptide-gone" || c.body != nil || c.contentType != "" ||
		!strings.HasPrefix(c.query, "clientToken=") || !strings.HasSuffix(c.query, "&groupName=riptide-g") {
		t.Errorf("call %+v", c)
	}
}

func TestTriggerFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("a 5xx that is not JSON", func(t *testing.T) {
		f, tr := newFakeScheduler(t, func(_ int, _ call, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(500)
			io.WriteString(w, "internal failure")
		})
		err := tr.Delete(ctx, "x")
		if core.TypeOf(err) != core.ErrDependency || !strings.Contains(err.Error(), "internal failure") || len(f.recorded()) != 3 {
			t.Fatalf("%v after %d calls", err, len(f.recorded()))
		}
	})
	t.Run("a client error is not retried", func(t *testing.T) {
		f, tr := newFakeScheduler(t, func(_ int, _ call, w http.ResponseWriter, _ *http.Request) {
			awsError(w, 400, "ValidationException", "Invalid role")
		})
		err := tr.Put(ctx, schedule)
		if core.TypeOf(err) != core.ErrDependency || !strings.Contains(err.Error(), "Invalid role") || len(f.recorded()) != 1 {
			t.Fatalf("%v after %d calls", err, len(f.recorded()))
		}
	})
	t.Run("a success body that is not JSON", func(t *testing.T) {
		f, tr := newFakeScheduler(t, func(_ int, _ call, w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"ScheduleArn":42}`)
		})
		if err := tr.Put(ctx, schedule); core.TypeOf(err) != core.ErrDependency || len(f.recorded()) != 1 {
			t.Fatalf("%v after %d calls", err, len(f.recorded()))
		}
	})
	t.Run("context cancelled", func(t *testing.T) {
		_, tr := newFakeScheduler(t, func(_ int, _ call, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		})
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		if err := tr.Put(cctx, schedule); !errors.Is(err, context.Canceled) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("no name", func(t *testing.T) {
		f, tr := newFakeScheduler(t, func(_ int, _ call, w http.ResponseWriter, _ *http.Request) {})
		if _, err := tr.Client.CreateSchedule(ctx, &ebscheduler.ScheduleInput{}); err == nil {
			t.Error("create without a name")
		}
		if err := tr.Client.DeleteSchedule(ctx, &ebscheduler.DeleteScheduleInput{}); err == nil {
			t.Error("delete without a name")
		}
		if len(f.recorded()) != 0 {
			t.Error("sent")
		}
	})
}
