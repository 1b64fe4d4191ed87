package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/testenv"
)

// makeDryRun returns what `make -n target` would run in the repository.
func makeDryRun(t *testing.T, target string) string {
	t.Helper()
	makeBin := testenv.LookPath(t, "make", "apt-get install make")
	cmd := exec.Command(makeBin, "-n", "--no-print-directory", target)
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n %s: %v\n%s", target, err, out)
	}
	return string(out)
}

// inOrder reports whether each of want occurs in s after the one before.
func inOrder(s string, want ...string) bool {
	for _, w := range want {
		i := strings.Index(s, w)
		if i < 0 {
			return false
		}
		s = s[i+len(w):]
	}
	return true
}

// TestMakeRunSaysWhatItBuilds: on a fresh machine `make run` compiled for
// minutes with nothing on screen. It now builds bin/riptide as a visible
// step, saying that the first build downloads the toolchain and modules,
// before it starts the server.
func TestMakeRunSaysWhatItBuilds(t *testing.T) {
	out := makeDryRun(t, "run")
	if !inOrder(out, "first build: downloads the Go toolchain", "go build", "./cmd/riptide", "built bin/riptide in", "bin/riptide serve") {
		t.Errorf("make run must announce the build, build bin/riptide, then serve:\n%s", out)
	}
}

// TestMakeTestBuildsBootstrapsFirst: the runtime-emulator test gets its
// bootstraps from a make step before `go test`, so compiling them on a
// cold cache does not count against the test timeout.
func TestMakeTestBuildsBootstrapsFirst(t *testing.T) {
	out := makeDryRun(t, "test")
	if !inOrder(out, "test-bootstraps/$fn/bootstrap ./functions/$fn", "RIPTIDE_TEST_BOOTSTRAPS=", "test -count=1 ./...") {
		t.Errorf("make test must build the bootstraps, then run go test with RIPTIDE_TEST_BOOTSTRAPS:\n%s", out)
	}
}
