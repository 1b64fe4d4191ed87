// Package wasmbuild builds Go packages into WASI reactor modules for tests
// and benchmarks (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared),
// so that no binary module has to be committed. Built modules are cached
// in the user cache directory by the hash of their sources and the Go
// version: the first build on a machine takes a minute (the runtime is
// compiled for wasip1), later ones are a file read.
package wasmbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	built = map[string][]byte{}
)

// Flags are the build flags of every module (also `make wasm-example`).
var Flags = []string{"-buildmode=c-shared", "-trimpath", "-ldflags=-s -w"}

// Build returns the module built from pkg, a directory relative to the
// repository root ("examples/wasm/headings"). srcDirs are extra source
// directories whose changes must rebuild it (imported packages).
func Build(tb testing.TB, pkg string, srcDirs ...string) []byte {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if b, ok := built[pkg]; ok {
		return b
	}
	root, err := repoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	key, err := sourceKey(root, append([]string{pkg}, srcDirs...))
	if err != nil {
		tb.Fatal(err)
	}
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		cacheDir = os.TempDir()
	}
	cached := filepath.Join(cacheDir, "riptide-wasmbuild", key+".wasm")
	if b, err := os.ReadFile(cached); err == nil {
		built[pkg] = b
		return b
	}
	if err := os.MkdirAll(filepath.Dir(cached), 0o755); err != nil {
		tb.Fatal(err)
	}
	tmp := cached + fmt.Sprintf(".%d.tmp", os.Getpid())
	args := append([]string{"build"}, Flags...)
	args = append(args, "-o", tmp, "./"+pkg)
	cmd := exec.Command(goBinary(), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building %s for wasip1: %v\n%s", pkg, err, out)
	}
	if err := os.Rename(tmp, cached); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(cached)
	if err != nil {
		tb.Fatal(err)
	}
	built[pkg] = b
	return b
}

// goBinary is the go command that runs the tests: GOROOT is set in the
// environment of `go test`, so the module builds with the same toolchain.
func goBinary() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("wasmbuild: no go.mod above the working directory")
		}
		dir = parent
	}
}

func sourceKey(root string, dirs []string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version(), strings.Join(Flags, " "))
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	for _, d := range dirs {
		var files []string
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.HasSuffix(p, ".go") {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			return "", err
		}
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return "", err
			}
			fmt.Fprintln(h, strings.TrimPrefix(f, root))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}
