// Package rie runs a function's real bootstrap binary under the AWS Lambda
// Runtime Interface Emulator and invokes it, for integration tests and the
// cold-start measurement.
package rie

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Find returns the path of aws-lambda-rie: $RIPTIDE_RIE, the repository's
// bin/ (where `make tools` installs it), or PATH.
func Find(repoRoot string) (string, error) {
	if p := os.Getenv("RIPTIDE_RIE"); p != "" {
		return p, nil
	}
	if p := filepath.Join(repoRoot, "bin", "aws-lambda-rie"); fileExists(p) {
		return p, nil
	}
	return exec.LookPath("aws-lambda-rie")
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Build compiles functions/<name> for the host into dir/bootstrap with the
// release flags (lambda.norpc, trimpath, stripped).
func Build(ctx context.Context, repoRoot, name, dir string) (string, error) {
	return BuildPackage(ctx, repoRoot, "./functions/"+name, dir)
}

// BuildPackage is Build for any main package of the repository.
func BuildPackage(ctx context.Context, repoRoot, pkg, dir string) (string, error) {
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v: %s", pkg, err, b)
	}
	return out, nil
}

// Emulator is a running aws-lambda-rie with one function.
type Emulator struct {
	URL string // invocation URL
	cmd *exec.Cmd
	log *syncBuffer
}

// Start runs bootstrap under the emulator on free loopback ports with env
// added to the environment.
func Start(ctx context.Context, riePath, bootstrap string, env []string) (*Emulator, error) {
	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	runtimePort, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(apiPort)
	cmd := exec.CommandContext(ctx, riePath,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(runtimePort),
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append(os.Environ(), env...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	e := &Emulator{URL: "http://" + addr + "/2015-03-31/functions/function/invocations", cmd: cmd, log: logs}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return e, nil
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("emulator did not listen on %s: %s", addr, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Invoke posts one event and returns the raw response body.
func (e *Emulator) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

var initRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// InitDuration returns the init phase duration the emulator reported: from
// the runtime's start to its first request for work.
func (e *Emulator) InitDuration() (time.Duration, bool) {
	m := initRE.FindStringSubmatch(e.log.String())
	if m == nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}

// Logs returns what the emulator and the function printed.
func (e *Emulator) Logs() string { return e.log.String() }

// Stop ends the emulator and the function process.
func (e *Emulator) Stop() {
	_ = e.cmd.Process.Kill()
	_ = e.cmd.Wait()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
