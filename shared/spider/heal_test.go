package spider_test

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/spiderruns"
)

// Fault tests: a run's Redis hangs (SIGSTOP) or dies (SIGKILL, then
// restarted on its append-only file) while the local orchestrator runs
// it. The run must heal: reach completed or stopped in bounded time, not
// stay running with a page in flight forever. Each test has a
// redis-server of its own: it is the one being stopped.

// ownRedis is a redis-server the test can stop, kill and restart.
type ownRedis struct {
	t    *testing.T
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
}

func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	bin := testenv.LookPath(t, "redis-server", "apt-get install redis-server")
	r := &ownRedis{t: t, bin: bin, dir: t.TempDir(), port: testenv.FreePort(t)}
	r.start()
	t.Cleanup(func() {
		_ = r.cmd.Process.Signal(syscall.SIGCONT)
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
	})
	return r
}

func (r *ownRedis) start() {
	r.t.Helper()
	// Every write on disk before it is acknowledged, so a killed server
	// comes back with the run's state as the engine last saw it.
	r.cmd = exec.Command(r.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port), "--dir", r.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	testenv.WaitForPort(r.t, r.addr(), 5*time.Second)
}

func (r *ownRedis) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

func (r *ownRedis) signal(sig syscall.Signal) {
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal redis-server: %v", err)
	}
}

func (r *ownRedis) kill() {
	r.signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
}

// healEnv is a spider service as `riptide serve` wires it: the local
// orchestrator healing runs every 200 ms, on a slow loopback site.
func healEnv(t *testing.T, r *ownRedis) (*spider.Service, string) {
	t.Helper()
	s, err := store.Open(store.Options{URL: "redis://" + r.addr() + "/0", Prefix: "t" + spider.NewID()[:10] + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := newFetcher(t)
	e, err := spider.New(spider.Deps{Runs: spiderruns.New(s), Crawler: &spidertest.StandInCrawler{Fetcher: f}, Site: f})
	if err != nil {
		t.Fatal(err)
	}
	l := spider.NewLocalLauncher(e)
	l.Heal(200 * time.Millisecond)
	t.Cleanup(l.Close)
	site := spidertest.NewSite(spidertest.SiteConfig{Pages: 60, Hook: func(*http.Request) { time.Sleep(100 * time.Millisecond) }})
	return &spider.Service{Engine: e, Launcher: l}, serve(t, site) + "/"
}

func startRun(t *testing.T, svc *spider.Service, seed string) string {
	t.Helper()
	id, err := svc.Start(context.Background(), "", []string{seed}, spider.Options{MaxPages: 40, Concurrency: 2, Sitemap: spider.SitemapSkip})
	if err != nil {
		t.Fatal(err)
	}
	waitHealed(t, svc, id, 20*time.Second, func(st *spider.Status) bool { return st.PagesCrawled >= 3 })
	return id
}

// waitHealed polls the run's status until ok (status errors, as while Redis
// is down, are retried) or fails the test after limit.
func waitHealed(t *testing.T, svc *spider.Service, id string, limit time.Duration, ok func(*spider.Status) bool) *spider.Status {
	t.Helper()
	var last *spider.Status
	var lastErr error
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		st, err := svc.Engine.Status(context.Background(), id)
		if err != nil {
			lastErr = err
			continue
		}
		last = st
		if ok(st) {
			return st
		}
	}
	t.Fatalf("run %s: condition not met within %s; last status %+v, last error %v", id, limit, last, lastErr)
	return nil
}

func TestRunHealsAfterRedisHangs(t *testing.T) {
	r := startOwnRedis(t)
	svc, seed := healEnv(t, r)
	id := startRun(t, svc, seed)
	// Longer than the store's read timeout (3 s) times the step's three
	// attempts: the step loop gives up and cannot even record why.
	r.signal(syscall.SIGSTOP)
	time.Sleep(12 * time.Second)
	r.signal(syscall.SIGCONT)
	st := waitHealed(t, svc, id, 30*time.Second, func(st *spider.Status) bool { return st.State != spider.StateRunning })
	if st.State != spider.StateCompleted || st.PagesCrawled != 40 || st.PagesInFlight != 0 {
		t.Fatalf("after the hang: %+v", st)
	}
}

func TestRunHealsAfterRedisIsKilled(t *testing.T) {
	r := startOwnRedis(t)
	svc, seed := healEnv(t, r)
	id := startRun(t, svc, seed)
	r.kill()
	time.Sleep(3 * time.Second) // the step loop fails and gives up
	r.start()
	st := waitHealed(t, svc, id, 30*time.Second, func(st *spider.Status) bool { return st.State != spider.StateRunning })
	if st.State != spider.StateCompleted || st.PagesCrawled != 40 || st.PagesInFlight != 0 {
		t.Fatalf("after the restart: %+v", st)
	}
}

func TestStopReachesStoppedAfterRedisIsKilled(t *testing.T) {
	r := startOwnRedis(t)
	svc, seed := healEnv(t, r)
	id := startRun(t, svc, seed)
	r.kill()
	time.Sleep(3 * time.Second)
	if _, err := svc.Control(context.Background(), "", id, spider.ActionStop); err == nil {
		t.Fatal("stop answered while Redis is down")
	}
	r.start()
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err = svc.Control(context.Background(), "", id, spider.ActionStop); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("stop after Redis came back: %v", err)
	}
	st := waitHealed(t, svc, id, 15*time.Second, func(st *spider.Status) bool { return st.State == spider.StateStopped })
	if st.PagesInFlight != 0 {
		t.Fatalf("stopped with pages in flight: %+v", st)
	}
}
