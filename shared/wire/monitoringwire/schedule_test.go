package monitoringwire_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/store/monitorstore"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/monitoringwire"
)

// quietRule holds while nothing is extracted: true on an idle store.
func quietRule(t *testing.T, p *wire.Process) {
	t.Helper()
	r := monitor.Rule{Name: "no_traffic", MetricName: "total_extractions", Condition: monitor.ConditionEquals, Threshold: 0,
		Severity: "warning", Enabled: true, WindowMinutes: 1, CooldownMS: time.Hour.Milliseconds()}
	if err := r.Normalize(); err != nil {
		t.Fatal(err)
	}
	if err := monitorstore.NewRules(p.Store).PutRule(context.Background(), r, true); err != nil {
		t.Fatal(err)
	}
}

// The scheduled {"riptide_task":"evaluate_alerts"} event evaluates the
// rules in the monitoring Lambda: the rule fires once, then stays active
// without firing again within its cooldown.
func TestEvaluateAlertsTaskEvent(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t),
		"RIPTIDE_AUTH": "disabled", "RIPTIDE_LOG_LEVEL": "error", "AWS_LAMBDA_FUNCTION_NAME": "riptide-monitoring"}
	h, p, err := wire.Function(ctx, "monitoring", config.FromMap(env), monitoringwire.Build)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	quietRule(t, p)

	out, err := h.Invoke(ctx, []byte(`{"riptide_task":"evaluate_alerts"}`))
	ev, ok := out.(monitor.Evaluation)
	if err != nil || !ok || !slices.Contains(ev.Active, "no_traffic") || !slices.Contains(ev.Fired, "no_traffic") || ev.Rules < 2 {
		t.Fatalf("first evaluation: %#v %v", out, err)
	}
	out, err = h.Invoke(ctx, []byte(`{"riptide_task":"evaluate_alerts"}`))
	if ev, _ = out.(monitor.Evaluation); err != nil || !slices.Contains(ev.Active, "no_traffic") || slices.Contains(ev.Fired, "no_traffic") {
		t.Fatalf("within the cooldown: %#v %v", out, err)
	}
	states, _ := monitorstore.NewAlerts(p.Store).States(ctx)
	if st := states["no_traffic"]; !st.Active || st.LastFiredAt.IsZero() {
		t.Fatalf("stored state %+v", st)
	}
	if _, err := h.Invoke(ctx, []byte(`{"riptide_task":"backup"}`)); !errors.Is(err, lambdaio.ErrUnsupportedEvent) {
		t.Fatalf("another function's task: %v", err)
	}
}

// Locally a ticker evaluates without anyone reading /alerts/active, and
// servers on one Redis take turns instead of all evaluating.
func TestLocalTickerEvaluates(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t),
		"RIPTIDE_AUTH": "disabled", "RIPTIDE_LOG_LEVEL": "error"}
	p, err := wire.New(ctx, "local", config.FromMap(env))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	quietRule(t, p)
	svc := monitoringwire.Service(p)
	monitoringwire.StartTicker(ctx, p, svc, 200*time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for {
		states, _ := monitorstore.NewAlerts(p.Store).States(ctx)
		if states["no_traffic"].Active {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ticker did not evaluate within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Turns are claimed in Redis (another prefix: this one's ticker is
	// still claiming 200 ms turns).
	env["RIPTIDE_KEY_PREFIX"] = testenv.KeyPrefix(t)
	p2, err := wire.New(ctx, "local", config.FromMap(env))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p2.Close() })
	other := monitoringwire.Service(p2)
	if _, ran, err := other.EvaluateOnSchedule(ctx, time.Hour); err != nil || !ran {
		t.Fatalf("first claim of an hour-long turn: ran %v %v", ran, err)
	}
	if _, ran, err := other.EvaluateOnSchedule(ctx, time.Hour); err != nil || ran {
		t.Fatalf("second claim within the turn: ran %v %v", ran, err)
	}
}
