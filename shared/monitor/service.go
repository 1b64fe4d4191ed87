package monitor

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// MaxWindowMinutes is the longest window: the buckets are kept 24 hours.
const MaxWindowMinutes = 24 * 60

// Retention is how long a minute bucket is kept.
const Retention = 24 * time.Hour

// Source reads the records of every instance over a time range, by whole
// minutes (shared/store/monitorstore reads the Redis buckets).
type Source interface {
	Window(ctx context.Context, from, to time.Time) (Window, error)
}

// RuleStore keeps the alert rules; the built-in rules are there until
// deleted.
type RuleStore interface {
	Rules(ctx context.Context) ([]Rule, error)
	// PutRule stores r; with create set it fails with conflict when a rule
	// of that name exists, else with not_found when none does.
	PutRule(ctx context.Context, r Rule, create bool) error
	DeleteRule(ctx context.Context, name string) error
}

// AlertStore keeps the last evaluation's states and paces evaluations
// across instances.
type AlertStore interface {
	States(ctx context.Context) (map[string]AlertState, error)
	SaveStates(ctx context.Context, states map[string]AlertState) error
	// ClaimEvaluation reports whether this caller should evaluate now:
	// no instance did within interval.
	ClaimEvaluation(ctx context.Context, interval time.Duration) (bool, error)
}

// Service answers the monitoring routes.
type Service struct {
	Source Source
	Rules  RuleStore
	Alerts AlertStore
	// Flush pushes this process's pending records to the Source before a
	// read (the local server reads its own records exactly); nil: none.
	Flush func(ctx context.Context) error
	// Started is when this instance started (uptime).
	Started time.Time
	// EvaluationInterval paces alert evaluations (DefaultEvaluationInterval).
	EvaluationInterval time.Duration
	Logger             *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Window reads the last minutes minutes, up to now: the current, partial
// minute included, so a window of 5 covers the last 4 to 5 minutes.
func (s *Service) Window(ctx context.Context, minutes int) (Window, error) {
	if minutes < 1 || minutes > MaxWindowMinutes {
		return Window{}, core.Errorf(core.ErrValidation, "window_minutes: 1..%d, got %d", MaxWindowMinutes, minutes).
			WithDetails(core.Detail{Field: "window_minutes", Message: "out of range"})
	}
	if s.Flush != nil {
		if err := s.Flush(ctx); err != nil {
			s.log().WarnContext(ctx, "flush of this instance's metrics failed; reading what is stored", slog.String("error", err.Error()))
		}
	}
	now := s.now()
	to := now.Truncate(time.Minute).Add(time.Minute)
	w, err := s.Source.Window(ctx, to.Add(-time.Duration(minutes)*time.Minute), to)
	if err != nil {
		return Window{}, core.Wrap(core.ErrDependency, err, "metrics store unavailable")
	}
	return w, nil
}

// Metrics returns the performance metrics of the last minutes.
func (s *Service) Metrics(ctx context.Context, minutes int) (PerformanceMetrics, Window, error) {
	w, err := s.Window(ctx, minutes)
	if err != nil {
		return PerformanceMetrics{}, Window{}, err
	}
	return Metrics(w, s.now().Sub(s.Started), s.now()), w, nil
}

// ActiveAlerts evaluates the rules when no instance did within the
// evaluation interval (or force is set), and returns the active states.
func (s *Service) ActiveAlerts(ctx context.Context, force bool) ([]ActiveAlert, time.Time, error) {
	rules, err := s.Rules.Rules(ctx)
	if err != nil {
		return nil, time.Time{}, core.Wrap(core.ErrDependency, err, "alert rules unavailable")
	}
	states, err := s.Alerts.States(ctx)
	if err != nil {
		return nil, time.Time{}, core.Wrap(core.ErrDependency, err, "alert states unavailable")
	}
	interval := s.EvaluationInterval
	if interval <= 0 {
		interval = DefaultEvaluationInterval
	}
	evaluate := force
	if !evaluate {
		if evaluate, err = s.Alerts.ClaimEvaluation(ctx, interval); err != nil {
			return nil, time.Time{}, core.Wrap(core.ErrDependency, err, "alert evaluation lock unavailable")
		}
	}
	if evaluate {
		if states, _, err = s.evaluate(ctx, rules, states); err != nil {
			return nil, time.Time{}, err
		}
	}
	byName := map[string]Rule{}
	for _, r := range rules {
		byName[r.Name] = r
	}
	var evaluated time.Time
	out := []ActiveAlert{}
	for _, st := range states {
		if st.EvaluatedAt.After(evaluated) {
			evaluated = st.EvaluatedAt
		}
		r, ok := byName[st.Rule]
		if !st.Active || !ok || !r.Enabled {
			continue
		}
		out = append(out, ActiveAlert{Name: r.Name, MetricName: r.MetricName, Value: st.Value, Threshold: r.Threshold,
			Condition: r.Condition, Severity: r.Severity, Since: st.Since, LastFiredAt: st.LastFiredAt})
	}
	sortAlerts(out)
	return out, evaluated, nil
}

// ActiveAlert is a rule whose condition held at the last evaluation.
type ActiveAlert struct {
	Name        string    `json:"name"`
	MetricName  string    `json:"metric_name"`
	Value       float64   `json:"value"`
	Threshold   float64   `json:"threshold"`
	Condition   string    `json:"condition"`
	Severity    string    `json:"severity"`
	Since       time.Time `json:"since"`
	LastFiredAt time.Time `json:"last_fired_at"`
}

// Evaluation is what one evaluation found.
type Evaluation struct {
	At     time.Time `json:"evaluated_at"`
	Rules  int       `json:"rules"`
	Active []string  `json:"active"`
	Fired  []string  `json:"fired"`
}

// Evaluate runs one evaluation now: the scheduled evaluation (the
// monitoring function's evaluate_alerts task, the local server's ticker)
// and tests. Rules fire (log monitoring.alert.triggered) by their
// cooldown, whoever evaluates.
func (s *Service) Evaluate(ctx context.Context) (Evaluation, error) {
	rules, err := s.Rules.Rules(ctx)
	if err != nil {
		return Evaluation{}, core.Wrap(core.ErrDependency, err, "alert rules unavailable")
	}
	states, err := s.Alerts.States(ctx)
	if err != nil {
		return Evaluation{}, core.Wrap(core.ErrDependency, err, "alert states unavailable")
	}
	next, fired, err := s.evaluate(ctx, rules, states)
	if err != nil {
		return Evaluation{}, err
	}
	ev := Evaluation{At: s.now().UTC(), Rules: len(rules), Active: []string{}, Fired: []string{}}
	for name, st := range next {
		if st.Active {
			ev.Active = append(ev.Active, name)
		}
	}
	for _, f := range fired {
		ev.Fired = append(ev.Fired, f.Rule.Name)
	}
	slices.Sort(ev.Active)
	slices.Sort(ev.Fired)
	return ev, nil
}

// EvaluateOnSchedule evaluates when no instance did within interval (the
// claim is shared through the AlertStore), so several local servers on one
// Redis, or a ticker beside readers of /alerts/active, evaluate once per
// interval. ran is false when another instance had the turn.
func (s *Service) EvaluateOnSchedule(ctx context.Context, interval time.Duration) (ev Evaluation, ran bool, err error) {
	ok, err := s.Alerts.ClaimEvaluation(ctx, interval)
	if err != nil || !ok {
		return Evaluation{}, false, err
	}
	ev, err = s.Evaluate(ctx)
	return ev, true, err
}

func (s *Service) evaluate(ctx context.Context, rules []Rule, prev map[string]AlertState) (map[string]AlertState, []Firing, error) {
	var readErr error
	metrics := func(minutes int) PerformanceMetrics {
		m, _, err := s.Metrics(ctx, minutes)
		if err != nil && readErr == nil {
			readErr = err
		}
		return m
	}
	next, fired := Evaluate(rules, metrics, prev, s.now().UTC())
	if readErr != nil {
		return nil, nil, readErr
	}
	if err := s.Alerts.SaveStates(ctx, next); err != nil {
		return nil, nil, core.Wrap(core.ErrDependency, err, "alert states unavailable")
	}
	for _, f := range fired {
		// The event the original put on its bus: in AWS a CloudWatch Logs
		// metric filter or subscription can route it.
		s.log().LogAttrs(ctx, slog.LevelWarn, "monitoring.alert.triggered",
			slog.String("event", "monitoring.alert.triggered"), slog.String("rule", f.Rule.Name),
			slog.String("metric", f.Rule.MetricName), slog.Float64("value", f.Value), slog.Float64("threshold", f.Rule.Threshold),
			slog.String("condition", f.Rule.Condition), slog.String("severity", f.Rule.Severity))
	}
	return next, fired, nil
}
