package spider

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

// Launcher runs a run's steps somewhere: the local orchestrator (goroutines
// in this process) or a Step Functions execution. Launch returns once the
// run is handed over; it is called for new runs, resumed runs and reset
// runs, and must tolerate a run whose earlier steps are still finishing
// (the batch takeover makes a second batch safe).
type Launcher interface {
	Launch(ctx context.Context, id string) error
}

// RunSteps runs a run's steps in this process until the run is done or
// paused: Init, CrawlBatch until the Choice says otherwise, Finalize. A
// failing step is retried (like the state machine's Retry), then the run
// is finalized as failed (like its Catch).
func (e *Engine) RunSteps(ctx context.Context, id string) (StepOutput, error) {
	out := StepOutput{SpiderID: id, Next: "init"}
	for {
		var err error
		for attempt := 0; attempt < 3; attempt++ {
			if attempt > 0 {
				select {
				case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
				case <-ctx.Done():
					return out, ctx.Err()
				}
			}
			var next StepOutput
			switch out.Next {
			case "init":
				next, err = e.Init(ctx, id)
			case NextCrawl:
				next, err = e.CrawlBatch(ctx, id)
			case NextFinalize:
				next, err = e.Finalize(ctx, id, nil)
			default:
				return out, nil
			}
			if err == nil {
				out = next
				break
			}
			if ce := core.AsError(err); ce.Type == core.ErrNotFound || ctx.Err() != nil {
				return out, err
			}
			e.log.WarnContext(ctx, "spider step failed", "spider_id", id, "step", out.Next, "attempt", attempt+1, "error", err.Error())
		}
		if err != nil {
			cause, _ := json.Marshal(core.AsError(err).Message)
			return e.Finalize(context.WithoutCancel(ctx), id, &StepError{Error: "States.TaskFailed", Cause: string(cause)})
		}
	}
}

// LocalLauncher is the orchestrator of `riptide serve`: it runs each run's
// steps in a goroutine, against the same Redis state a Step Functions
// execution would use.
type LocalLauncher struct {
	engine *Engine
	ctx    context.Context
	cancel context.CancelFunc

	mu   sync.Mutex
	runs map[string]*localRun
	wg   sync.WaitGroup
}

type localRun struct{ again bool }

// NewLocalLauncher returns a launcher running steps on engine until Close.
func NewLocalLauncher(engine *Engine) *LocalLauncher {
	ctx, cancel := context.WithCancel(context.Background())
	return &LocalLauncher{engine: engine, ctx: ctx, cancel: cancel, runs: map[string]*localRun{}}
}

// Launch starts the run's step loop, or asks the loop already running it
// to go on once more when it would stop (a resume right after a pause).
func (l *LocalLauncher) Launch(_ context.Context, id string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ctx.Err() != nil {
		return core.Errorf(core.ErrDependency, "the local spider orchestrator is shutting down")
	}
	if lr, ok := l.runs[id]; ok {
		lr.again = true
		return nil
	}
	lr := &localRun{}
	l.runs[id] = lr
	l.wg.Add(1)
	go l.loop(id, lr)
	return nil
}

func (l *LocalLauncher) loop(id string, lr *localRun) {
	defer l.wg.Done()
	for {
		if _, err := l.engine.RunSteps(l.ctx, id); err != nil && l.ctx.Err() == nil {
			l.engine.log.Error("spider run failed", "spider_id", id, "error", err.Error())
		}
		l.mu.Lock()
		if !lr.again || l.ctx.Err() != nil {
			delete(l.runs, id)
			l.mu.Unlock()
			return
		}
		lr.again = false
		l.mu.Unlock()
	}
}

// Recover launches every run left running by an earlier process (a
// restart of `riptide serve` with a persistent REDIS_URL).
func (l *LocalLauncher) Recover(ctx context.Context) (int, error) {
	ids, err := l.engine.ActiveRuns(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := l.Launch(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// DefaultHealInterval is how often the local orchestrator looks for runs
// that should be progressing but have no worker.
const DefaultHealInterval = 5 * time.Second

// Heal watches the runs every interval (default DefaultHealInterval)
// until Close, and relaunches each active run (running or stopping) that
// has no step loop in this process: one whose loop gave up because Redis
// failed under it (the steps retry three times, then even recording the
// failure fails), or one stopped while no loop was running. The worker of
// a run is its step loop here; while the loop runs it holds the run (the
// batch takeover makes a second worker, after a restart or in another
// process on the same Redis, safe). A relaunched run resumes where its
// state says: a stopping run reaches stopped, a running one goes on, a
// run past its max_duration finishes; a step that fails for any other
// reason finalizes the run as failed with the cause (RunSteps). While
// Redis is down the listing fails and the next tick tries again, so a run
// heals within an interval of Redis answering again.
func (l *LocalLauncher) Heal(interval time.Duration) {
	if interval <= 0 {
		interval = DefaultHealInterval
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-l.ctx.Done():
				return
			case <-t.C:
			}
			n, err := l.relaunchOrphans(l.ctx)
			switch {
			case err != nil && l.ctx.Err() == nil:
				l.engine.log.Warn("spider: cannot list active runs to heal them; trying again", "error", err.Error(), "in", interval.String())
			case n > 0:
				l.engine.log.Info("spider: relaunched runs that had no worker", "runs", n)
			}
		}
	}()
}

// relaunchOrphans launches the active runs without a loop here.
func (l *LocalLauncher) relaunchOrphans(ctx context.Context) (int, error) {
	ids, err := l.engine.ActiveRuns(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		l.mu.Lock()
		_, running := l.runs[id]
		l.mu.Unlock()
		if running {
			continue
		}
		l.engine.log.Warn("spider: run has no worker; relaunching it", "spider_id", id)
		if err := l.Launch(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Close stops the loops (pages in flight are cancelled; their claims are
// taken over by the next batch, here or after a restart) and waits.
func (l *LocalLauncher) Close() {
	l.cancel()
	l.wg.Wait()
}

// Service is the spider as the API sees it: an Engine plus the Launcher
// of this home.
type Service struct {
	Engine   *Engine
	Launcher Launcher
	// Strategies compiles options.extraction when a run starts (the
	// pipeline's registry, so WASM modules and the llm strategy resolve as
	// on /crawl); nil: the built-in strategies.
	Strategies ExtractionCompiler
}

// ExtractionCompiler checks an extraction spec (strategy.Registry).
type ExtractionCompiler interface {
	Compile(spec strategy.Spec, field string) (*strategy.Plan, error)
}

// Start validates and stores a run owned by owner and launches it; it
// returns the run id. Only the same owner reads or controls the run
// (Status, Results, Control).
func (s *Service) Start(ctx context.Context, owner string, seeds []string, o Options) (string, error) {
	o, seeds, err := s.validate(seeds, o)
	if err != nil {
		return "", err
	}
	id, err := s.Engine.Create(ctx, owner, seeds, o)
	if err != nil {
		return "", err
	}
	if err := s.Launcher.Launch(ctx, id); err != nil {
		_, _ = s.Engine.Finalize(context.WithoutCancel(ctx), id, &StepError{Error: "LaunchFailed", Cause: core.AsError(err).Message})
		return "", core.Wrap(core.ErrDependency, err, "start the spider run: "+core.AsError(err).Message)
	}
	return id, nil
}

// Check validates seeds and options as Start would, without starting a
// run, and returns them normalised (a spider job checks its input at
// submission, so a bad one is a 400 and not a failed job later).
func (s *Service) Check(seeds []string, o Options) (Options, []string, error) {
	return s.validate(seeds, o)
}

func (s *Service) validate(seeds []string, o Options) (Options, []string, error) {
	o, err := o.Normalize()
	if err != nil {
		return o, nil, err
	}
	if o.Extraction != nil {
		compiler := s.Strategies
		if compiler == nil {
			compiler = strategy.NewRegistry(strategy.Builtins(strategy.BuiltinOptions{})...)
		}
		if _, err := compiler.Compile(*o.Extraction, "options.extraction"); err != nil {
			return o, nil, err
		}
	}
	seeds, err = ValidateSeeds(seeds, o)
	return o, seeds, err
}

// SyncMaxDurationMS caps max_duration_ms of an inline run.
const SyncMaxDurationMS = 25_000

// SyncResult is the answer of a run made inline.
type SyncResult struct {
	Status  *Status           `json:"status"`
	Results []json.RawMessage `json:"results"`
}

// RunSync runs a small crawl inline (max_pages at most SyncMaxPages,
// max_duration_ms at most SyncMaxDurationMS): the
// same steps and Redis state as an async run, so its status and results
// stay readable afterwards under the returned spider_id.
func (s *Service) RunSync(ctx context.Context, owner string, seeds []string, o Options) (*SyncResult, error) {
	o, seeds, err := s.validate(seeds, o)
	if err != nil {
		return nil, err
	}
	// An inline run must answer within API Gateway's 29 s.
	if o.MaxDurationMS > SyncMaxDurationMS {
		o.MaxDurationMS = SyncMaxDurationMS
	}
	if o.MaxPages > s.Engine.SyncMaxPages() {
		return nil, core.Errorf(core.ErrValidation, "options.max_pages: a synchronous run may crawl at most %d pages; drop sync for a larger run", s.Engine.SyncMaxPages()).
			WithDetails(core.Detail{Field: "options.max_pages", Message: "too large for sync"})
	}
	id, err := s.Engine.Create(ctx, owner, seeds, o)
	if err != nil {
		return nil, err
	}
	if _, err := s.Engine.RunSteps(ctx, id); err != nil {
		// The client went away or Redis failed: end the run so it does
		// not stay "running" with no one working on it.
		_, _ = s.Engine.Finalize(context.WithoutCancel(ctx), id, &StepError{Error: "SyncRunAborted", Cause: err.Error()})
		return nil, err
	}
	st, err := s.Engine.Status(ctx, id)
	if err != nil {
		return nil, err
	}
	page, err := s.Engine.Results(ctx, id, 0, o.MaxPages)
	if err != nil {
		return nil, err
	}
	return &SyncResult{Status: st, Results: page.Results}, nil
}

// Status reads the status of owner's run id.
func (s *Service) Status(ctx context.Context, owner, id string) (*Status, error) {
	if err := s.Engine.CheckOwner(ctx, owner, id); err != nil {
		return nil, err
	}
	return s.Engine.Status(ctx, id)
}

// Results reads a page of the results of owner's run id.
func (s *Service) Results(ctx context.Context, owner, id string, cursor int64, limit int) (*ResultPage, error) {
	if err := s.Engine.CheckOwner(ctx, owner, id); err != nil {
		return nil, err
	}
	return s.Engine.Results(ctx, id, cursor, limit)
}

// Control applies a control action to owner's run id and relaunches it
// when needed.
func (s *Service) Control(ctx context.Context, owner, id, action string) (*Status, error) {
	if err := s.Engine.CheckOwner(ctx, owner, id); err != nil {
		return nil, err
	}
	relaunch, err := s.Engine.Control(ctx, id, action)
	if err != nil {
		return nil, err
	}
	// A stopping run is finalized by its worker. Launching it makes sure
	// it has one (a loop already running it just goes round once more),
	// so stop reaches stopped even when the run's worker had died.
	relaunch = relaunch || action == ActionStop
	if action == ActionStop {
		if st, err := s.Engine.Status(ctx, id); err == nil && st.State != StateStopping {
			relaunch = false
		}
	}
	if relaunch {
		if err := s.Launcher.Launch(ctx, id); err != nil {
			return nil, core.Wrap(core.ErrDependency, err, "relaunch the spider run: "+core.AsError(err).Message)
		}
	}
	return s.Engine.Status(ctx, id)
}
