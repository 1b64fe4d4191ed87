package jobs

import (
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

func TestParseExprKinds(t *testing.T) {
	anchor := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday
	cases := []struct {
		expr, tz string
		kind     ExpressionKind
		next     time.Time
		eb       string
	}{
		{"*/15 * * * *", "", KindCron5, time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC), "cron(*/15 * * * ? *)"},
		{"0 9 * * 1", "Europe/Berlin", KindCron5, time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC), "cron(0 9 ? * 2 *)"},
		// The original's seconds-first form: day-of-week 2 is Monday.
		{"0 30 6 * * 2", "", KindCron6, time.Date(2026, 3, 9, 6, 30, 0, 0, time.UTC), "cron(30 6 ? * 2 *)"},
		{"rate(5 minutes)", "", KindRate, anchor.Add(5 * time.Minute), "rate(5 minutes)"},
		{"rate(1 hour)", "", KindRate, anchor.Add(time.Hour), "rate(1 hour)"},
	}
	for _, c := range cases {
		e, err := ParseExpr(c.expr, c.tz)
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		if e.Kind != c.kind {
			t.Errorf("%q: kind %s, want %s", c.expr, e.Kind, c.kind)
		}
		if got := e.Next(anchor, anchor); !got.Equal(c.next) {
			t.Errorf("%q: next %v, want %v", c.expr, got, c.next)
		}
		if eb, err := e.EventBridge(); err != nil || eb != c.eb {
			t.Errorf("%q: EventBridge %q (%v), want %q", c.expr, eb, err, c.eb)
		}
	}
}

func TestParseExprErrorsNameTheProblem(t *testing.T) {
	cases := map[string]string{
		"":                  "required",
		"* * *":             "3 fields",
		"61 * * * *":        "61",
		"rate(5 weeks)":     "rate(N",
		"cron(0 * * * ? *)": "without cron",
		"0 0 0 * * * 2030":  "year",
		"0 0 12 * * 9":      "day-of-week 9",
	}
	for expr, want := range cases {
		_, err := ParseExpr(expr, "UTC")
		if core.TypeOf(err) != core.ErrValidation || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want a validation error naming %q", expr, err, want)
		}
	}
	if _, err := ParseExpr("* * * * *", "Mars/Olympus"); core.TypeOf(err) != core.ErrValidation || !strings.Contains(err.Error(), "timezone") {
		t.Errorf("bad timezone: %v", err)
	}
}

func TestScheduleRefusesSubMinuteFiring(t *testing.T) {
	e, err := ParseExpr("*/10 * * * * *", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.checkInterval("*/10 * * * * *", time.Now()); err == nil || !strings.Contains(err.Error(), "once a minute") {
		t.Errorf("every 10 s accepted: %v", err)
	}
	e, _ = ParseExpr("rate(1 minute)", "UTC")
	if err := e.checkInterval("rate(1 minute)", time.Now()); err != nil {
		t.Errorf("rate(1 minute) refused: %v", err)
	}
	runs := e.NextRuns(time.Unix(0, 0), time.Unix(0, 0), 5)
	if len(runs) != 5 || runs[4].Sub(runs[0]) != 4*time.Minute {
		t.Errorf("next runs: %v", runs)
	}
}
