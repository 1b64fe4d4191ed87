package gatewaykeys_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys/apigw"
	"github.com/riptidecrawler/riptide/shared/store"
)

// moto is API Gateway's control plane on loopback (moto_server) with the
// usage plans of one stack, named as the CDK app names them.
type moto struct {
	cfg   aws.Config
	stack string
	plans map[string]string // plan -> usage plan id
	api   *awsapi.Client
}

func newMoto(t *testing.T, plans ...string) *moto {
	t.Helper()
	cfg := motoaws.Config(t, "eu-west-1")
	// A stack of its own: a moto_server reused across runs keeps what
	// earlier runs made.
	m := &moto{cfg: cfg, stack: fmt.Sprintf("rt%d", time.Now().UnixNano())}
	m.api = m.raw(t)
	m.plans = motoaws.UsagePlans(t, cfg, m.stack, plans...)
	return m
}

func (m *moto) raw(t *testing.T) *awsapi.Client {
	t.Helper()
	c, err := awsapi.New(context.Background(), m.cfg, apigw.Service, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (m *moto) client(t *testing.T) *apigw.Client {
	t.Helper()
	c, err := apigw.New(context.Background(), m.cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// keysNamed lists the API keys named name (moto's name filter is a prefix
// match, as API Gateway's is).
func (m *moto) keysNamed(t *testing.T, name string) []string {
	t.Helper()
	var out struct {
		Items []struct{ ID, Name, Value string } `json:"item"`
	}
	q := url.Values{"includeValues": {"true"}, "name": {name}}
	if _, err := m.api.DoJSON(context.Background(), awsapi.Request{Method: http.MethodGet, Path: "/apikeys", Query: q}, nil, &out); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range out.Items {
		if k.Name == name {
			ids = append(ids, k.ID)
		}
	}
	return ids
}

// counting counts the calls that change the control plane.
type counting struct {
	gatewaykeys.Gateway
	creates, adds, removes atomic.Int32
}

func (c *counting) CreateKey(ctx context.Context, name, value, desc string) (string, error) {
	c.creates.Add(1)
	return c.Gateway.CreateKey(ctx, name, value, desc)
}

func (c *counting) AddToPlan(ctx context.Context, plan, key string) error {
	c.adds.Add(1)
	return c.Gateway.AddToPlan(ctx, plan, key)
}

func (c *counting) RemoveFromPlan(ctx context.Context, plan, key string) error {
	c.removes.Add(1)
	return c.Gateway.RemoveFromPlan(ctx, plan, key)
}

func redisStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: testenv.KeyPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// plansOf returns the plan names key id is attached to.
func (m *moto) plansOf(t *testing.T, gw *apigw.Client, id string) []string {
	t.Helper()
	ids, err := gw.PlansOf(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, pid := range m.plans {
		if slices.Contains(ids, pid) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Each caller gets a key of its own, named and valued from the stack and
// the caller, in the usage plan of its plan: an unknown plan is the
// default one, a caller without a valid credential the anonymous one.
func TestEachCallerIsMeteredOnItsOwnKeyInItsPlan(t *testing.T) {
	m := newMoto(t, "default", "pro", "anonymous")
	gw := m.client(t)
	meter := &gatewaykeys.Meter{Gateway: gw, Memo: store.NewGatewayKeyMemo(redisStore(t)), Stack: m.stack, Plans: []string{"default", "pro", "anonymous"}}
	ctx := context.Background()
	for _, c := range []struct{ caller, plan, want string }{
		{"rtk_alice", "pro", "pro"},
		{"rtk_bob", "", "default"},
		{"jwt_0123456789abcdef", "gold", "default"}, // a plan the stack has no usage plan for
		{gatewaykeys.AnonymousCaller, "", "anonymous"},
	} {
		key, err := meter.KeyFor(ctx, c.caller, c.plan)
		if err != nil {
			t.Fatalf("%s: %v", c.caller, err)
		}
		if key != gatewaykeys.KeyValue(m.stack, c.caller) {
			t.Fatalf("%s: metered on %q, want its own key", c.caller, key)
		}
		ids := m.keysNamed(t, gatewaykeys.KeyName(m.stack, c.caller))
		if len(ids) != 1 {
			t.Fatalf("%s: %d gateway keys, want 1", c.caller, len(ids))
		}
		if got := m.plansOf(t, gw, ids[0]); !slices.Equal(got, []string{c.want}) {
			t.Fatalf("%s: key in plans %v, want [%s]", c.caller, got, c.want)
		}
	}
	if a, b := gatewaykeys.KeyValue(m.stack, "rtk_alice"), gatewaykeys.KeyValue(m.stack+"x", "rtk_alice"); a == b || len(a) < 20 {
		t.Fatalf("key values %q and %q: want distinct per stack, at least 20 characters", a, b)
	}
}

// A second authorizer instance (a cold start) finds the caller's key in
// the memo and calls nothing on the control plane, whose rate limits are a
// few requests per second per account.
func TestAnotherInstanceReadsTheMemoInsteadOfTheGateway(t *testing.T) {
	m := newMoto(t, "default", "pro")
	s := redisStore(t)
	ctx := context.Background()
	first := &counting{Gateway: m.client(t)}
	plans := []string{"default", "pro"}
	if _, err := (&gatewaykeys.Meter{Gateway: first, Memo: store.NewGatewayKeyMemo(s), Stack: m.stack, Plans: plans}).KeyFor(ctx, "rtk_alice", "pro"); err != nil {
		t.Fatal(err)
	}
	if first.creates.Load() != 1 || first.adds.Load() != 1 {
		t.Fatalf("first instance: %d creates, %d adds; want 1 and 1", first.creates.Load(), first.adds.Load())
	}
	second := &counting{Gateway: m.client(t)}
	meter := &gatewaykeys.Meter{Gateway: second, Memo: store.NewGatewayKeyMemo(s), Stack: m.stack, Plans: plans}
	for range 3 {
		if key, err := meter.KeyFor(ctx, "rtk_alice", "pro"); err != nil || key != gatewaykeys.KeyValue(m.stack, "rtk_alice") {
			t.Fatalf("second instance: %q, %v", key, err)
		}
	}
	if n := second.creates.Load() + second.adds.Load() + second.removes.Load(); n != 0 {
		t.Fatalf("second instance made %d control-plane changes, want 0", n)
	}
}

// A caller whose plan changes (a key moved to pro, a token with another
// plan claim) leaves its old usage plan: API Gateway allows one plan per
// key and stage.
func TestAPlanChangeMovesTheKey(t *testing.T) {
	m := newMoto(t, "default", "pro")
	gw := m.client(t)
	meter := &gatewaykeys.Meter{Gateway: gw, Memo: store.NewGatewayKeyMemo(redisStore(t)), Stack: m.stack, Plans: []string{"default", "pro"}}
	ctx := context.Background()
	for _, plan := range []string{"default", "pro", "default"} {
		if _, err := meter.KeyFor(ctx, "rtk_carol", plan); err != nil {
			t.Fatal(err)
		}
		ids := m.keysNamed(t, gatewaykeys.KeyName(m.stack, "rtk_carol"))
		if len(ids) != 1 {
			t.Fatalf("%d keys, want 1", len(ids))
		}
		if got := m.plansOf(t, gw, ids[0]); !slices.Equal(got, []string{plan}) {
			t.Fatalf("after moving to %s the key is in %v", plan, got)
		}
	}
}

// When the memo is gone (expired, Redis flushed) the key is found again,
// not made twice, and put back in the right plan whatever the gateway
// holds.
func TestAForgottenKeyIsFoundAgain(t *testing.T) {
	m := newMoto(t, "default", "pro")
	gw := m.client(t)
	ctx := context.Background()
	plans := []string{"default", "pro"}
	if _, err := (&gatewaykeys.Meter{Gateway: gw, Memo: store.NewGatewayKeyMemo(redisStore(t)), Stack: m.stack, Plans: plans}).KeyFor(ctx, "rtk_dave", "pro"); err != nil {
		t.Fatal(err)
	}
	// A fresh Redis: nothing remembered. The caller's plan is now default.
	c := &counting{Gateway: gw}
	if _, err := (&gatewaykeys.Meter{Gateway: c, Memo: store.NewGatewayKeyMemo(redisStore(t)), Stack: m.stack, Plans: plans}).KeyFor(ctx, "rtk_dave", ""); err != nil {
		t.Fatal(err)
	}
	ids := m.keysNamed(t, gatewaykeys.KeyName(m.stack, "rtk_dave"))
	if len(ids) != 1 {
		t.Fatalf("%d keys after the memo was lost, want 1", len(ids))
	}
	if got := m.plansOf(t, gw, ids[0]); !slices.Equal(got, []string{"default"}) {
		t.Fatalf("key in %v, want [default]", got)
	}
	if c.removes.Load() != 1 {
		t.Fatalf("%d removals, want 1 (out of pro)", c.removes.Load())
	}
}

// With the control plane unreachable the caller is metered on its plan's
// shared key (made by the stack), and the error says why.
func TestAnUnreachableGatewayFallsBackToThePlansSharedKey(t *testing.T) {
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))),
		RetryMaxAttempts: 1, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})}
	gw, err := apigw.New(context.Background(), cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	meter := &gatewaykeys.Meter{Gateway: gw, Memo: store.NewGatewayKeyMemo(redisStore(t)), Stack: "s1", Plans: []string{"default", "pro"}}
	key, err := meter.KeyFor(context.Background(), "rtk_erin", "pro")
	if err == nil {
		t.Fatal("no error from an unreachable control plane")
	}
	if want := gatewaykeys.KeyValue("s1", gatewaykeys.SharedCaller("pro")); key != want {
		t.Fatalf("metered on %q, want pro's shared key %q", key, want)
	}
}
