package store_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/fetch/fetchtest"
	"github.com/riptidecrawler/riptide/shared/store"
)

func TestHostLimiterConformance(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		fetchtest.RunLimiter(t, store.NewHostLimiter(s, nil))
	})
}

func TestCircuitsConformance(t *testing.T) {
	backends(t, func(t *testing.T, s *store.Store) {
		fetchtest.RunBreaker(t, func(p fetch.BreakerPolicy, now func() time.Time) fetch.Breaker {
			return store.NewCircuitsAt(s, p, now)
		})
	})
}

// TestSharedStateFailsOpen: with Redis gone, fetches still go out (per
// process politeness, no breaker) instead of failing.
func TestSharedStateFailsOpen(t *testing.T) {
	s, err := store.Open(store.Options{Prefix: testenv.KeyPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	l, c := store.NewHostLimiter(s, nil), store.NewCircuits(s, fetch.BreakerPolicy{}, nil)
	s.Close() // the embedded server stops: every call now fails
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	release, err := l.Acquire(ctx, "h", fetch.Politeness{PerHostConcurrency: 1})
	if err != nil {
		t.Fatalf("limiter with Redis down: %v", err)
	}
	release()
	tk, err := c.Allow(ctx, "h")
	if err != nil {
		t.Fatalf("breaker with Redis down: %v", err)
	}
	c.Record(ctx, "h", tk, fetch.OutcomeFailure) // must not panic or block
}

// childEnv marks a re-executed test binary as one crawler process of
// TestPolitenessAcrossProcesses.
const childEnv = "RIPTIDE_TEST_POLITENESS_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := politenessChild(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// politenessChild fetches a page N times, 3 at a time, through a fetcher
// whose politeness is kept in the Redis named by the environment (or in
// process memory, for the control run).
func politenessChild() error {
	n, _ := strconv.Atoi(os.Getenv("CHILD_FETCHES"))
	delay, _ := time.ParseDuration(os.Getenv("CHILD_DELAY"))
	opts := fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, IgnoreRobots: true,
		Politeness: fetch.Politeness{PerHostConcurrency: 1, PerHostDelay: delay}}
	if os.Getenv("CHILD_SHARED") == "1" {
		s, err := store.Open(store.Options{URL: os.Getenv("CHILD_REDIS"), Prefix: os.Getenv("CHILD_PREFIX")})
		if err != nil {
			return err
		}
		defer s.Close()
		opts.HostLimiter = store.NewHostLimiter(s, nil)
	}
	f, err := fetch.New(opts)
	if err != nil {
		return err
	}
	defer f.Close()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 3)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := f.Fetch(context.Background(), fetch.Request{URL: os.Getenv("CHILD_TARGET")}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// TestPolitenessAcrossProcesses runs two crawler processes against one
// fixture host. With politeness shared through a real redis-server the
// host sees one request at a time and the configured delay between them,
// as if one crawler were polite; the control run, each process with its
// own in-process limiter, shows what the host saw before (two at once,
// half the spacing).
func TestPolitenessAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	redisURL := testenv.RedisURL(t)
	const perChild, delay = 4, 100 * time.Millisecond
	run := func(t *testing.T, shared bool) (arrivals []time.Time, most int64) {
		prefix := testenv.KeyPrefix(t) // both crawler processes share it
		var mu sync.Mutex
		var inFlight, maxInFlight atomic.Int64
		site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
			}
			mu.Lock()
			arrivals = append(arrivals, time.Now())
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			_, _ = w.Write([]byte("<p>ok</p>"))
		}))
		defer site.Close()
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				sharedFlag := "0"
				if shared {
					sharedFlag = "1"
				}
				cmd.Env = append(os.Environ(), childEnv+"=1", "CHILD_FETCHES="+strconv.Itoa(perChild), "CHILD_DELAY="+delay.String(),
					"CHILD_SHARED="+sharedFlag, "CHILD_REDIS="+redisURL, "CHILD_PREFIX="+prefix, "CHILD_TARGET="+site.URL+"/page")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("crawler process %d: %v\n%s", i, err, out)
				}
			}()
		}
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
		return arrivals, maxInFlight.Load()
	}

	arrivals, most := run(t, true)
	if len(arrivals) != 2*perChild {
		t.Fatalf("the host saw %d requests, want %d", len(arrivals), 2*perChild)
	}
	if most != 1 {
		t.Errorf("the host saw %d requests at once from two processes sharing a limit of 1", most)
	}
	// Releases are booked delay apart on a shared schedule; arrivals can
	// be compressed by scheduling, so one gap's worth of slack is allowed.
	span := arrivals[len(arrivals)-1].Sub(arrivals[0])
	if want := time.Duration(2*perChild-2) * delay; span < want {
		t.Errorf("%d requests with a shared %s delay arrived within %s, want >= %s", len(arrivals), delay, span, want)
	}
	t.Logf("shared limiter: %d requests over %s, at most %d at once", len(arrivals), span.Round(time.Millisecond), most)

	control, controlMost := run(t, false)
	t.Logf("control (limiter per process): %d requests over %s, at most %d at once",
		len(control), control[len(control)-1].Sub(control[0]).Round(time.Millisecond), controlMost)
}
