package render

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// procWatch finds the Chromium processes of a renderer whose TempDir is
// dir: the browser names dir in its command line (--user-data-dir), and
// its children (zygote, renderers, GPU and network processes, which the
// headless shell starts without that flag) share its process group. Every
// group seen is remembered, so a child that outlives its browser is still
// found after the browser is gone.
type procWatch struct {
	dir    string
	groups map[int]bool
}

func newProcWatch(dir string) *procWatch { return &procWatch{dir: dir, groups: map[int]bool{}} }

// scan returns the live processes and the sum of their PSS (which shares
// shared pages out among processes instead of counting them once per
// process, as RSS does).
func (w *procWatch) scan() (pids []int, pssKB int64) {
	entries, _ := os.ReadDir("/proc")
	type proc struct{ pid, pgid int }
	var all []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		status, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil || bytes.Contains(status, []byte("State:\tZ")) {
			continue
		}
		pgid, err := syscall.Getpgid(pid)
		if err != nil {
			continue
		}
		if cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline"); bytes.Contains(cmd, []byte(w.dir)) {
			w.groups[pgid] = true
		}
		all = append(all, proc{pid, pgid})
	}
	for _, p := range all {
		if !w.groups[p.pgid] {
			continue
		}
		pids = append(pids, p.pid)
		rollup, _ := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/smaps_rollup")
		for _, line := range strings.Split(string(rollup), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				pssKB += n
			}
		}
	}
	return pids, pssKB
}

func TestLocalRestartsAfterNRendersAndAfterCrashWithChromium(t *testing.T) {
	srv, hits := site(t)
	dir := t.TempDir()
	watch := newProcWatch(dir)
	l := newTestLocal(t, func(o *LocalOptions) { o.MaxRendersPerBrowser = 3; o.TempDir = dir })
	var pids []int
	for i := 0; i < 7; i++ {
		renderOK(t, l, Request{URL: srv.URL + "/"})
		pids = append(pids, l.Stats().PID)
		watch.scan()
	}
	if st := l.Stats(); st.Launches != 3 || st.Restarts != 2 {
		t.Fatalf("after 7 renders with N=3: %+v", st)
	}
	if pids[0] == pids[3] || pids[3] == pids[6] || pids[0] != pids[2] {
		t.Fatalf("browser pids per render: %v", pids)
	}
	// Old browsers are gone: only the current one's processes remain.
	waitFor(t, 5*time.Second, func() bool {
		ps, _ := watch.scan()
		for _, p := range ps {
			if pgid, _ := syscall.Getpgid(p); pgid != l.Stats().PID {
				return false
			}
		}
		return true
	})

	// A browser killed from outside is noticed and replaced.
	old := l.Stats().PID
	if err := syscall.Kill(-old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return l.cur == nil || l.cur.dead() })
	res := renderOK(t, l, Request{URL: srv.URL + "/"})
	if res.Title != "Fixture home" || l.Stats().PID == old || l.Stats().Crashes != 1 {
		t.Fatalf("after crash: title %q stats %+v", res.Title, l.Stats())
	}

	// Killed during a render: that render fails as render_error, the next
	// works. The kill waits for the browser to ask for the page (a fixed
	// sleep could fire before a busy machine started the render, which
	// would then hang until its timeout instead).
	go func() {
		for deadline := time.Now().Add(20 * time.Second); hits.count("/hang") == 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		_ = syscall.Kill(-l.Stats().PID, syscall.SIGKILL)
	}()
	_, err := l.Render(context.Background(), Request{URL: srv.URL + "/hang", TimeoutMS: 10000})
	wantErrType(t, err, core.ErrRender)
	t.Logf("render during crash: %v", err)
	renderOK(t, l, Request{URL: srv.URL + "/"})

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if ps, _ := watch.scan(); len(ps) != 0 {
		t.Fatalf("processes left after Close: %v", ps)
	}
	if _, err := l.Render(context.Background(), Request{URL: srv.URL + "/"}); err == nil {
		t.Fatal("render after Close")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("profile directories left: %d", len(entries))
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLocalSoak500RendersWithChromium renders 500 pages (60 with -short)
// and checks that no process is left behind and that memory stays flat:
// Chromium's PSS after the last render is compared with the PSS after the
// warm-up, and the Go heap likewise.
func TestLocalSoak500RendersWithChromium(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 60
	}
	srv, _ := site(t)
	dir := t.TempDir()
	watch := newProcWatch(dir)
	l := newTestLocal(t, func(o *LocalOptions) { o.TempDir = dir; o.MaxRendersPerBrowser = 100 })
	before, _ := watch.scan()
	if len(before) != 0 {
		t.Fatalf("processes before the first render: %v", before)
	}
	var warmPSS, maxPSS int64
	var warmHeap uint64
	start := time.Now()
	for i := 1; i <= n; i++ {
		path := []string{"/", "/xhr", "/form", "/lazy"}[i%4]
		renderOK(t, l, Request{URL: srv.URL + path})
		if i%10 == 0 {
			watch.scan() // remember each new browser's process group
		}
		if i == 20 {
			_, warmPSS = watch.scan()
			warmHeap = heapInUse()
		}
		if i%50 == 0 {
			ps, pss := watch.scan()
			maxPSS = max(maxPSS, pss)
			t.Logf("after %d renders: %d chromium processes, PSS %d MB, Go heap %d MB, %v/render", i, len(ps), pss/1024, heapInUse()>>20, time.Since(start)/time.Duration(i))
			if len(ps) > 30 {
				t.Fatalf("%d chromium processes after %d renders: tabs are piling up", len(ps), i)
			}
		}
	}
	_, endPSS := watch.scan()
	endHeap := heapInUse()
	t.Logf("PSS warm %d MB, end %d MB, max %d MB; Go heap warm %d MB, end %d MB", warmPSS/1024, endPSS/1024, maxPSS/1024, warmHeap>>20, endHeap>>20)
	if endPSS > warmPSS*2 || maxPSS > warmPSS*3 {
		t.Fatalf("chromium memory grew: warm %d KB, end %d KB, max %d KB", warmPSS, endPSS, maxPSS)
	}
	if endHeap > warmHeap*2+16<<20 {
		t.Fatalf("Go heap grew: warm %d, end %d", warmHeap, endHeap)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if ps, _ := watch.scan(); len(ps) != 0 {
		t.Fatalf("processes left after Close: %v", ps)
	}
}
