package wasm_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/wasmbuild"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/wasm"
)

const page = `<!doctype html><html><head><title>Kettles
 and more</title><meta name="description" content="All about kettles."></head>
<body><h1>Kettles</h1><p>Text with <a href="/a">a link</a> and <a href="/b">another</a>.</p>
<h2>Electric</h2><h3>Cordless</h3><h4>Too deep</h4></body></html>`

func example(t testing.TB) []byte { return wasmbuild.Build(t, "examples/wasm/headings") }
func hostile(t testing.TB) []byte { return wasmbuild.Build(t, "shared/wasm/testdata/hostile") }

// sharedCache is one compilation cache for the package's tests, so each
// test's engine does not compile the same modules from scratch.
var sharedCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "riptide-wasm-cache-")
	if err != nil {
		panic(err)
	}
	sharedCache = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func newEngine(t testing.TB, opts wasm.Options) *wasm.Engine {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = sharedCache
	}
	if opts.Store == nil {
		opts.Store = blob.NewMemory()
	}
	e := wasm.New(opts)
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func register(t testing.TB, e *wasm.Engine, b []byte) string {
	t.Helper()
	info, err := e.Register(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return info.SHA256
}

func TestExampleModuleRegisterRunListDelete(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	e := newEngine(t, wasm.Options{CacheDir: cache})
	b := example(t)
	info, err := e.Register(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != wasm.Sum(b) || info.Size != int64(len(b)) || !info.Created {
		t.Errorf("info: %+v", info)
	}
	again, err := e.Register(ctx, b)
	if err != nil || again.Created || again.SHA256 != info.SHA256 {
		t.Errorf("second register: %+v %v", again, err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) == 0 {
		t.Error("compilation cache dir is empty after compiling")
	}
	for range 3 { // warm calls reuse the pooled instance
		fields, problems, err := e.Run(ctx, info.SHA256, []byte(page), json.RawMessage(`{"levels":[1,2,3]}`))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(fields)
		want := `{"description":"All about kettles.","headings":[{"level":1,"text":"Kettles"},{"level":2,"text":"Electric"},{"level":3,"text":"Cordless"}],"links":2,"title":"Kettles and more"}`
		if string(got) != want || len(problems) != 0 {
			t.Errorf("fields = %s problems %v", got, problems)
		}
	}
	_, problems, err := e.Run(ctx, info.SHA256, []byte(`<p>no title</p>`), nil)
	if err != nil || problems["title"] == "" {
		t.Errorf("problems %v err %v", problems, err)
	}
	list, err := e.List(ctx)
	if err != nil || len(list) != 1 || list[0].SHA256 != info.SHA256 {
		t.Errorf("list: %+v %v", list, err)
	}
	if err := e.Delete(ctx, info.SHA256); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Run(ctx, info.SHA256, []byte(page), nil); core.TypeOf(err) != core.ErrNotFound {
		t.Errorf("run after delete: %v", err)
	}
	if err := e.Delete(ctx, info.SHA256); core.TypeOf(err) != core.ErrNotFound {
		t.Errorf("second delete: %v", err)
	}
	// A fresh engine (a new Lambda instance) finds the module in the store
	// and its compiled code in the cache.
	store := blob.NewMemory()
	e1 := newEngine(t, wasm.Options{CacheDir: cache, Store: store})
	id := register(t, e1, b)
	e2 := newEngine(t, wasm.Options{CacheDir: cache, Store: store})
	if fields, _, err := e2.Run(ctx, id, []byte(page), nil); err != nil || fields["links"] != float64(2) {
		t.Errorf("fresh engine: %v %v", fields, err)
	}
}

func TestHostileModulesFailClearlyAndTheEngineSurvives(t *testing.T) {
	ctx := context.Background()
	// The memory bomb gets time to reach the cap (growing linear memory
	// copies it, which is slow on a loaded machine); the loop gets a short
	// limit of its own.
	e := newEngine(t, wasm.Options{Timeout: 20 * time.Second, MemoryLimitMiB: 32})
	id := register(t, e, hostile(t))
	fast := newEngine(t, wasm.Options{Timeout: 700 * time.Millisecond})
	fastID := register(t, fast, hostile(t))
	run := func(do string) (map[string]any, error) {
		eng, mod := e, id
		if do == "loop" {
			eng, mod = fast, fastID
		}
		fields, _, err := eng.Run(ctx, mod, []byte(page), json.RawMessage(`{"do":"`+do+`"}`))
		return fields, err
	}
	cases := []struct {
		do       string
		typ      core.ErrorType
		contains string
	}{
		{"loop", core.ErrTimeout, "time limit"},
		{"oom", core.ErrExtraction, "memory limit of 32 MiB"},
		{"trap", core.ErrExtraction, "hostile module trapped on purpose"},
		{"bad_json", core.ErrExtraction, "not the ABI's JSON envelope"},
		{"error", core.ErrExtraction, "the module refuses this page"},
		{"bad_pointer", core.ErrExtraction, "outside its memory"},
	}
	for _, c := range cases {
		start := time.Now()
		_, err := run(c.do)
		if core.TypeOf(err) != c.typ || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("%s: %v (type %s), want %s containing %q", c.do, err, core.TypeOf(err), c.typ, c.contains)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%s took %s", c.do, d)
		}
		// The engine is unharmed: the next call works.
		if fields, err := run("echo"); err != nil || fields["html_bytes"] != float64(len(page)) {
			t.Errorf("after %s: %v %v", c.do, fields, err)
		}
	}
	// No filesystem, no real clock.
	if fields, err := run("files"); err != nil || fields["error"] != true {
		t.Errorf("files: %v %v", fields, err)
	}
	if fields, err := run("clock"); err != nil || fields["year"] == float64(time.Now().Year()) {
		t.Errorf("clock: the module saw the real time: %v %v", fields, err)
	}
	// The caller's context bounds a call too.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, _, err := e.Run(cctx, id, []byte(page), json.RawMessage(`{"do":"loop"}`)); core.TypeOf(err) != core.ErrTimeout {
		t.Errorf("caller deadline: %v", err)
	}
}

func TestInstancesArePooledAndConcurrencyBounded(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, wasm.Options{MaxConcurrent: 2, MaxIdle: 2})
	id := register(t, e, hostile(t))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := e.Run(ctx, id, []byte(page), json.RawMessage(`{"do":"echo"}`)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Sequential calls reuse one instance: its call counter grows.
	e = newEngine(t, wasm.Options{MaxIdle: 1})
	id = register(t, e, hostile(t))
	var last float64 = -1
	for range 3 {
		fields, _, err := e.Run(ctx, id, []byte(page), json.RawMessage(`{"do":"echo"}`))
		if err != nil {
			t.Fatal(err)
		}
		calls, _ := fields["calls"].(float64)
		if last >= 0 && calls != last+1 {
			t.Errorf("calls %v after %v: the instance was not reused", calls, last)
		}
		last = calls
	}
}

// Hand-made modules for the registration checks (wasm binary format).
func section(id byte, body ...byte) []byte { return append([]byte{id, byte(len(body))}, body...) }

func name(s string) []byte { return append([]byte{byte(len(s))}, s...) }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var header = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

func TestRegistrationRefusesModulesOutsideTheABI(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, wasm.Options{})
	// (func) -> () used for both exports: wrong signatures.
	wrongSig := cat(header,
		section(1, 0x01, 0x60, 0x00, 0x00),
		section(3, 0x01, 0x00),
		section(5, 0x01, 0x00, 0x01),
		section(7, cat([]byte{0x03}, name("memory"), []byte{0x02, 0x00}, name("alloc"), []byte{0x00, 0x00}, name("extract"), []byte{0x00, 0x00})...),
		section(10, 0x01, 0x02, 0x00, 0x0b))
	importsEnv := cat(header,
		section(1, 0x01, 0x60, 0x00, 0x00),
		section(2, cat([]byte{0x01}, name("env"), name("now"), []byte{0x00, 0x00})...))
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"empty module":  {header, "does not export alloc; does not export extract; does not export its memory"},
		"wrong types":   {wrongSig, "exports alloc with the wrong signature (want (i32) -> i32)"},
		"env import":    {importsEnv, "imports env.now"},
		"not wasm":      {[]byte("MZ\x90\x00 not a module"), "not a WebAssembly binary"},
		"corrupt wasm":  {append(slicesClone(header), 0x01, 0x7f, 0x01), "not a valid WebAssembly module"},
		"wasi command?": {cat(header, section(1, 0x01, 0x60, 0x00, 0x00)), "does not export alloc"},
	}
	for label, c := range cases {
		_, err := e.Register(ctx, c.b)
		if core.TypeOf(err) != core.ErrValidation || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want validation_error containing %q", label, err, c.want)
		}
	}
	if list, _ := e.List(ctx); len(list) != 0 {
		t.Errorf("refused modules were stored: %+v", list)
	}
	big := newEngine(t, wasm.Options{MaxModuleBytes: 10})
	if _, err := big.Register(ctx, cat(header, header)); core.TypeOf(err) != core.ErrPayloadTooLarge {
		t.Errorf("size limit: %v", err)
	}
	if _, _, err := e.Run(ctx, strings.Repeat("ab", 32), nil, nil); core.TypeOf(err) != core.ErrNotFound {
		t.Errorf("unknown module: %v", err)
	}
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }
