package jobs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Schedule submits a job from its template at the times its expression
// names.
type Schedule struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner,omitempty" jsonschema:"-"`
	// Billing says who pays for the schedule's firings (Service.BillingOf
	// of the request that created or last changed it). Never shown.
	Billing string `json:"billing,omitempty" jsonschema:"-"`
	// Expression as given; ExpressionKind says how it was read.
	Expression     string         `json:"expression"`
	ExpressionKind ExpressionKind `json:"expression_kind"`
	Timezone       string         `json:"timezone"`
	Template       Spec           `json:"job_template"`
	Overlap        Overlap        `json:"overlap_policy"`
	Paused         bool           `json:"paused"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	LastRunAt      *time.Time     `json:"last_run_at,omitempty"`
	NextRunAt      *time.Time     `json:"next_run_at,omitempty"`
	RunCount       int64          `json:"run_count"`
	SkippedCount   int64          `json:"skipped_count"`
	LastJobID      string         `json:"last_job_id,omitempty"`
}

// View is a schedule as its owner sees it.
func (s *Schedule) View() *Schedule {
	c := *s
	c.Owner, c.Billing = "", ""
	c.Template.WebhookSecret = ""
	return &c
}

// ExpressionKind names the syntax an expression was parsed as.
type ExpressionKind string

const (
	// KindCron5: standard cron, minute hour day-of-month month day-of-week.
	KindCron5 ExpressionKind = "cron"
	// KindCron6: the original service's form, seconds first (its
	// day-of-week counts 1-7 from Sunday).
	KindCron6 ExpressionKind = "cron_seconds"
	// KindRate: rate(N minutes|hours|days).
	KindRate ExpressionKind = "rate"
)

// Overlap says what a firing does while the schedule's previous job has
// not finished.
type Overlap string

const (
	OverlapSkip  Overlap = "skip"
	OverlapQueue Overlap = "queue"
)

// MinInterval is the shortest time between two firings.
const MinInterval = time.Minute

// Expr is a parsed schedule expression.
type Expr struct {
	Kind     ExpressionKind
	Location *time.Location
	cron     cron.Schedule
	every    time.Duration
	// rateUnit and rateN keep rate(N unit) as written, for EventBridge.
	rateN    int
	rateUnit string
	// fields are the five cron fields (seconds dropped), for EventBridge.
	fields  []string
	seconds string
}

var rateRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)
})

var (
	parser5 = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	parser6 = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
)

// ParseExpr reads a schedule expression in timezone tz (IANA; empty is
// UTC): standard 5-field cron (and @hourly-style descriptors), the
// original's 6-field seconds-first cron, or rate(N unit). Errors are
// validation errors naming the problem.
func ParseExpr(expr, tz string) (e *Expr, err error) {
	// robfig/cron is a third-party parser: a panic in it is a 400, not a crash.
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, invalidExpr(expr, fmt.Sprint(r))
		}
	}()
	if tz == "" {
		tz = "UTC"
	}
	loc, lerr := time.LoadLocation(tz)
	if lerr != nil || strings.EqualFold(tz, "local") {
		return nil, core.Errorf(core.ErrValidation, "timezone: %q is not an IANA time zone (e.g. Europe/Berlin, UTC)", tz).
			WithDetails(core.Detail{Field: "timezone", Message: "unknown time zone"})
	}
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, core.Errorf(core.ErrValidation, "expression is required: 5-field cron, 6-field cron with seconds, or rate(N minutes)").
			WithDetails(core.Detail{Field: "expression", Message: "required"})
	}
	if strings.HasPrefix(expr, "rate(") {
		m := rateRE().FindStringSubmatch(expr)
		if m == nil {
			return nil, invalidExpr(expr, "use rate(N minute|minutes|hour|hours|day|days)")
		}
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > 100_000 {
			return nil, invalidExpr(expr, "N must be between 1 and 100000")
		}
		unit := strings.TrimSuffix(m[2], "s")
		d := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[unit]
		return &Expr{Kind: KindRate, Location: loc, every: time.Duration(n) * d, rateN: n, rateUnit: unit}, nil
	}
	if strings.HasPrefix(expr, "cron(") {
		return nil, invalidExpr(expr, "write the cron fields without cron(...)")
	}
	fields := strings.Fields(expr)
	switch {
	case strings.HasPrefix(expr, "@"):
		s, err := parser5.Parse(expr)
		if err != nil {
			return nil, invalidExpr(expr, err.Error())
		}
		return &Expr{Kind: KindCron5, Location: loc, cron: s}, nil
	case len(fields) == 5:
		s, err := parser5.Parse(expr)
		if err != nil {
			return nil, invalidExpr(expr, err.Error())
		}
		return &Expr{Kind: KindCron5, Location: loc, cron: s, fields: fields}, nil
	case len(fields) == 6:
		dow, err := dowFromOneBased(fields[5])
		if err != nil {
			return nil, invalidExpr(expr, err.Error())
		}
		f := append(append([]string{}, fields[:5]...), dow)
		s, err := parser6.Parse(strings.Join(f, " "))
		if err != nil {
			return nil, invalidExpr(expr, err.Error())
		}
		return &Expr{Kind: KindCron6, Location: loc, cron: s, fields: f[1:], seconds: f[0]}, nil
	case len(fields) == 7:
		return nil, invalidExpr(expr, "the 7-field form with a year is not supported; drop the year")
	}
	return nil, invalidExpr(expr, fmt.Sprintf("%d fields: use 5 (minute hour day month weekday), 6 (seconds first) or rate(N unit)", len(fields)))
}

func invalidExpr(expr, why string) error {
	return core.Errorf(core.ErrValidation, "expression %q: %s", expr, why).
		WithDetails(core.Detail{Field: "expression", Message: why})
}

var dowNum = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\d+`) })

// dowFromOneBased rewrites a 6-field expression's day-of-week field from
// the original's numbering (1-7, Sunday first) to cron's (0-6): names and
// * are unchanged.
func dowFromOneBased(f string) (string, error) {
	var bad error
	out := dowNum().ReplaceAllStringFunc(f, func(s string) string {
		n, _ := strconv.Atoi(s)
		if n < 1 || n > 7 {
			if !strings.Contains(f, "/") {
				bad = fmt.Errorf("day-of-week %d: the seconds-first form counts 1-7 from Sunday", n)
			}
			return s
		}
		return strconv.Itoa(n - 1)
	})
	// A step (*/2) keeps its number.
	if i := strings.Index(f, "/"); i >= 0 {
		out = strings.SplitN(out, "/", 2)[0] + f[i:]
	}
	return out, bad
}

// Next returns the first firing strictly after t. anchor is when a rate
// schedule started counting (its creation).
func (e *Expr) Next(t, anchor time.Time) time.Time {
	if e.Kind == KindRate {
		if t.Before(anchor) {
			return anchor
		}
		k := t.Sub(anchor)/e.every + 1
		return anchor.Add(k * e.every)
	}
	return e.cron.Next(t.In(e.Location)).UTC()
}

// NextRuns returns the next n firings after t.
func (e *Expr) NextRuns(t, anchor time.Time, n int) []time.Time {
	out := make([]time.Time, 0, n)
	for i := 0; i < n; i++ {
		t = e.Next(t, anchor)
		if t.IsZero() {
			break
		}
		out = append(out, t.UTC())
	}
	return out
}

// checkInterval refuses expressions that fire more often than
// MinInterval (or never).
func (e *Expr) checkInterval(expr string, now time.Time) error {
	runs := e.NextRuns(now, now, 3)
	if len(runs) < 2 {
		return invalidExpr(expr, "never fires")
	}
	for i := 1; i < len(runs); i++ {
		if runs[i].Sub(runs[i-1]) < MinInterval {
			return invalidExpr(expr, fmt.Sprintf("fires every %s; schedules fire at most once a minute", runs[i].Sub(runs[i-1])))
		}
	}
	return nil
}

// EventBridge returns the expression in EventBridge Scheduler's syntax:
// rate(N unit) as is; cron(min hour day-of-month month day-of-week year)
// with one of the day fields "?" and days of the week counted 1-7 from
// Sunday. What EventBridge cannot express is a validation error.
func (e *Expr) EventBridge() (string, error) {
	if e.Kind == KindRate {
		unit := e.rateUnit
		if e.rateN != 1 {
			unit += "s"
		}
		return fmt.Sprintf("rate(%d %s)", e.rateN, unit), nil
	}
	if e.fields == nil {
		return "", core.Errorf(core.ErrValidation, "expression: @-descriptors are not supported by EventBridge Scheduler; write the 5 fields")
	}
	if e.Kind == KindCron6 && e.seconds != "0" {
		return "", core.Errorf(core.ErrValidation, "expression: EventBridge Scheduler fires on whole minutes; the seconds field must be 0")
	}
	min, hour, dom, month, dow := e.fields[0], e.fields[1], e.fields[2], e.fields[3], e.fields[4]
	switch {
	case dow == "*" || dow == "?":
		dow = "?"
	case dom == "*" || dom == "?":
		dom = "?"
		dow = dowNum().ReplaceAllStringFunc(dow, func(s string) string {
			n, _ := strconv.Atoi(s)
			return strconv.Itoa(n%7 + 1)
		})
		if i := strings.Index(e.fields[4], "/"); i >= 0 {
			dow = strings.SplitN(dow, "/", 2)[0] + e.fields[4][i:]
		}
	default:
		return "", core.Errorf(core.ErrValidation, "expression: EventBridge Scheduler cannot fire on a day of the month OR a day of the week; set one of them to *")
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)", min, hour, dom, month, dow), nil
}
