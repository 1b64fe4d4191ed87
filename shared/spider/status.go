package spider

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Status is what a client sees of a run.
type Status struct {
	SpiderID   string   `json:"spider_id"`
	State      string   `json:"status"`
	StopReason string   `json:"stop_reason,omitempty"`
	SeedURLs   []string `json:"seed_urls"`
	// PagesCrawled and PagesFailed are the result records; their sum never
	// exceeds max_pages.
	PagesCrawled  int64 `json:"pages_crawled"`
	PagesFailed   int64 `json:"pages_failed"`
	PagesQueued   int64 `json:"pages_queued"`
	PagesInFlight int64 `json:"pages_in_flight"`
	// Skipped counts URLs not crawled, by reason (robots, out_of_scope,
	// excluded, max_depth, content_type, duplicate_content, nofollow,
	// sitemap_lastmod); each URL is counted once.
	Skipped map[string]int64 `json:"skipped"`
	// DuplicateLinks counts links to URLs already queued (by canonical form).
	DuplicateLinks  int64           `json:"duplicate_links"`
	Bytes           int64           `json:"bytes"`
	PagesPerSecond  float64         `json:"pages_per_second"`
	CurrentDepth    int             `json:"current_depth"`
	MaxDepthReached int             `json:"max_depth_reached"`
	ElapsedMS       int64           `json:"elapsed_ms"`
	ETAMS           *int64          `json:"eta_ms"`
	LastError       *core.ErrorInfo `json:"last_error,omitempty"`
	WebhookError    string          `json:"webhook_error,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	StartedAt       *time.Time      `json:"started_at,omitempty"`
	FinishedAt      *time.Time      `json:"finished_at,omitempty"`
	Options         Options         `json:"options"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// Status reads a run's status.
func (e *Engine) Status(ctx context.Context, id string) (*Status, error) {
	m, err := e.loadMeta(ctx, id)
	if err != nil {
		return nil, err
	}
	st := &Status{
		SpiderID: id, State: m.State, StopReason: m.StopReason, SeedURLs: m.Seeds,
		PagesCrawled: m.Crawled, PagesFailed: m.Failed, PagesQueued: m.Queued,
		PagesInFlight: m.InFlight, DuplicateLinks: m.DupLinks, Bytes: m.Bytes,
		CurrentDepth: m.CurrentDepth, MaxDepthReached: m.DepthMax,
		CreatedAt: m.Created.UTC(), StartedAt: timePtr(m.Started), FinishedAt: timePtr(m.Finished),
		WebhookError: m.WebhookError, Skipped: m.Skipped, Options: m.Options.Public(), LastError: m.LastError,
	}
	if st.Skipped == nil {
		st.Skipped = map[string]int64{}
	}
	o := m.Options
	if st.StartedAt != nil {
		end := e.now()
		if st.FinishedAt != nil {
			end = *st.FinishedAt
		}
		st.ElapsedMS = max(end.Sub(*st.StartedAt).Milliseconds(), 0)
		done := st.PagesCrawled + st.PagesFailed
		if st.ElapsedMS > 0 {
			st.PagesPerSecond = float64(done) / (float64(st.ElapsedMS) / 1000)
		}
		if st.State == StateRunning && st.PagesPerSecond > 0 {
			// Remaining work is what is queued, bounded by the page budget.
			left := st.PagesQueued + st.PagesInFlight
			if o.MaxPages > 0 {
				left = min(left, int64(o.MaxPages)-done)
			}
			eta := int64(float64(max(left, 0)) / st.PagesPerSecond * 1000)
			if !m.Deadline.IsZero() {
				eta = min(eta, max(m.Deadline.UnixMilli()-e.now().UnixMilli(), 0))
			}
			st.ETAMS = &eta
		} else if Terminal(st.State) {
			zero := int64(0)
			st.ETAMS = &zero
		}
	}
	return st, nil
}

// ResultPage is one page of a run's results.
type ResultPage struct {
	SpiderID string            `json:"spider_id"`
	Status   string            `json:"status"`
	Total    int64             `json:"total"`
	Results  []json.RawMessage `json:"results"`
	// NextCursor is the cursor of the following page; null at the end of
	// the stored results (more may come while the run is active).
	NextCursor *string `json:"next_cursor"`
}

// Results returns up to limit results from cursor (an offset into the
// run's results, in completion order).
func (e *Engine) Results(ctx context.Context, id string, cursor int64, limit int) (*ResultPage, error) {
	if !validID(id) {
		return nil, notFound(id)
	}
	rr, err := e.runs.Results(ctx, id, cursor, limit)
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "read spider results from their store")
	}
	if rr == nil {
		return nil, notFound(id)
	}
	p := &ResultPage{SpiderID: id, Status: rr.State, Total: rr.Total, Results: make([]json.RawMessage, 0, len(rr.Records))}
	for _, r := range rr.Records {
		p.Results = append(p.Results, json.RawMessage(r))
	}
	if next := cursor + int64(len(p.Results)); next < p.Total {
		s := strconv.FormatInt(next, 10)
		p.NextCursor = &s
	}
	return p, nil
}

// Control actions.
const (
	ActionStop   = "stop"
	ActionPause  = "pause"
	ActionResume = "resume"
	ActionReset  = "reset"
)

// Control applies an action to a run's state and reports whether the
// run's steps must be launched again (resume, reset). Stop on a running
// run is seen by its batch, which then finalizes; stop on a paused run
// finalizes at once. Reset clears the run's frontier, seen set, results
// and counters and starts it again from its seeds with the same options;
// it is refused (conflict) while the run is active.
func (e *Engine) Control(ctx context.Context, id, action string) (relaunch bool, err error) {
	if !validID(id) {
		return false, notFound(id)
	}
	transition := func(to string, from ...string) (string, bool, error) {
		got, err := e.runs.Transition(ctx, id, to, e.now(), from...)
		if err != nil {
			return "", false, core.Wrap(core.ErrDependency, err, "change the run's state")
		}
		if got == "" {
			return "", false, notFound(id)
		}
		for _, f := range from {
			if got == f {
				return got, true, nil
			}
		}
		return got, false, nil
	}
	conflict := func(state string) error {
		return core.Errorf(core.ErrConflict, "cannot %s a run that is %s", action, state)
	}
	switch action {
	case ActionStop:
		was, ok, err := transition(StateStopping, StateRunning, StatePaused)
		if err != nil {
			return false, err
		}
		if !ok {
			if was == StateStopping {
				return false, nil
			}
			return false, conflict(was)
		}
		if was == StatePaused {
			_, err := e.Finalize(ctx, id, nil)
			return false, err
		}
		return false, nil
	case ActionPause:
		was, ok, err := transition(StatePaused, StateRunning)
		if err != nil || ok || was == StatePaused {
			return false, err
		}
		return false, conflict(was)
	case ActionResume:
		was, ok, err := transition(StateRunning, StatePaused)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, conflict(was)
		}
		if err := e.runs.SetActive(ctx, id, true); err != nil {
			return false, core.Wrap(core.ErrDependency, err, "mark the run active")
		}
		return true, nil
	case ActionReset:
		r, err := e.load(ctx, id)
		if err != nil {
			return false, err
		}
		if st := r.m.State; st == StateRunning || st == StateStopping {
			return false, core.Errorf(core.ErrConflict, "cannot reset a run that is %s: stop or pause it first", st)
		}
		if err := e.runs.Delete(ctx, id); err != nil {
			return false, core.Wrap(core.ErrDependency, err, "clear the run")
		}
		return true, e.create(ctx, id, r.m.Owner, r.seeds, r.opts, r.m.Gen+1)
	}
	return false, core.Errorf(core.ErrValidation, "action: %q is not one of stop, pause, resume, reset", action).
		WithDetails(core.Detail{Field: "action", Message: "one of stop, pause, resume, reset"})
}

// ActiveRuns lists the runs that should be progressing (state running):
// after a restart the local orchestrator launches them again. Runs that
// ended or expired are taken off the list.
func (e *Engine) ActiveRuns(ctx context.Context) ([]string, error) {
	ids, err := e.runs.ActiveRuns(ctx)
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "list active spider runs")
	}
	var out []string
	for _, id := range ids {
		m, err := e.runs.Load(ctx, id)
		if err != nil || m == nil || m.State != StateRunning && m.State != StateStopping {
			_ = e.runs.SetActive(ctx, id, false)
			continue
		}
		out = append(out, id)
	}
	return out, nil
}
