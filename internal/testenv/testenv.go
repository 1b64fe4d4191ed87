// Package testenv gives tests the real dependencies they need (Redis,
// Chromium, moto_server, the Lambda runtime emulator) and decides what
// happens when one is missing: skip with a clear reason by default, fail
// when RIPTIDE_INTEGRATION=require (what .ci/run sets), so CI cannot pass
// by skipping.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Required reports whether missing dependencies must fail tests.
func Required() bool {
	return strings.EqualFold(os.Getenv("RIPTIDE_INTEGRATION"), "require")
}

// Missing skips (or, when required, fails) the test for a missing dependency.
func Missing(t testing.TB, dep, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s missing (RIPTIDE_INTEGRATION=require): %s", dep, why)
	}
	t.Skipf("skipped: %s missing: %s (set RIPTIDE_INTEGRATION=require to fail instead)", dep, why)
}

// FreePort returns a free TCP port on 127.0.0.1.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitForPort waits until addr accepts TCP connections.
func WaitForPort(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not start listening within %v", addr, timeout)
}

// RedisURL returns the URL of a real Redis server for the test: the one in
// RIPTIDE_TEST_REDIS_URL, else a fresh redis-server started on a free
// loopback port and stopped at the end of the test.
func RedisURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("RIPTIDE_TEST_REDIS_URL"); u != "" {
		return u
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		Missing(t, "redis-server", "install it (apt-get install redis-server) or set RIPTIDE_TEST_REDIS_URL")
	}
	port := FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	WaitForPort(t, addr, 5*time.Second)
	return "redis://" + addr + "/0"
}

// KeyPrefix returns a Redis key prefix no other test uses ("t-<16 hex>:"):
// CI runs every package against one redis-server (RIPTIDE_TEST_REDIS_URL),
// so a fixed prefix lets parallel packages read and delete each other's
// keys.
func KeyPrefix(t testing.TB) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "t-" + hex.EncodeToString(b[:]) + ":"
}

// LookPath returns the path of a program, or skips/fails the test.
func LookPath(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, install)
	}
	return p
}

// MotoURL returns the endpoint of a moto_server (AWS APIs on loopback): the
// one in RIPTIDE_TEST_MOTO_URL, else a fresh one started for the test.
func MotoURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("RIPTIDE_TEST_MOTO_URL"); u != "" {
		return u
	}
	bin := LookPath(t, "moto_server", "moto 5 is preinstalled under pyenv on these machines (pip install 'moto[server]' elsewhere)")
	port := FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start moto_server: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// moto_server imports all of moto before it listens: ~3 s idle, over
	// 20 s on a loaded 2-core machine.
	WaitForPort(t, addr, 60*time.Second)
	return "http://" + addr
}

// StoppableRedis is a redis-server of the test's own, for fault tests
// that stop it mid-test (a shared RIPTIDE_TEST_REDIS_URL must never be).
type StoppableRedis struct {
	URL  string
	cmd  *exec.Cmd
	stop context.CancelFunc
}

// StartStoppableRedis starts a fresh redis-server on a free loopback port;
// it is stopped at the end of the test if the test has not stopped it.
func StartStoppableRedis(t testing.TB) *StoppableRedis {
	t.Helper()
	bin := LookPath(t, "redis-server", "install it (apt-get install redis-server)")
	port := FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start redis-server: %v", err)
	}
	r := &StoppableRedis{URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), cmd: cmd, stop: cancel}
	t.Cleanup(r.Stop)
	WaitForPort(t, fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	return r
}

// Stop kills the server and waits for it to exit (idempotent).
func (r *StoppableRedis) Stop() {
	r.stop()
	_ = r.cmd.Wait()
}
