// Command coldstart measures each Lambda function's cold start on this
// machine: it builds the host-architecture bootstrap, starts it under the
// AWS Lambda Runtime Interface Emulator -runs times (a fresh process each
// time), invokes the function's sample event and reads the emulator's
// INIT REPORT duration; it also sums the package-init time and allocations
// printed by GODEBUG=inittrace=1. It writes a markdown report.
//
//	go run ./tools/coldstart -runs 10 -out docs/cold-start.md
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/internal/rie"
	"github.com/riptidecrawler/riptide/shared/routes"
)

type result struct {
	name        string
	zipMB       float64
	initMedian  time.Duration
	initMax     time.Duration
	pkgInitMS   float64
	pkgInitMB   float64
	binaryMB    float64
	invokeFirst time.Duration
}

func main() {
	runs := flag.Int("runs", 10, "cold starts per function")
	out := flag.String("out", "", "markdown report file (default stdout)")
	only := flag.String("only", "", "comma-separated functions to measure (default all; the peer always runs)")
	flag.Parse()
	selected := map[string]bool{}
	for _, name := range strings.Split(*only, ",") {
		if name = strings.TrimSpace(name); name != "" {
			selected[name] = true
		}
	}
	root, _ := os.Getwd()
	riePath, err := rie.Find(root)
	if err != nil {
		fail(fmt.Errorf("aws-lambda-rie not found (run `make tools`): %w", err))
	}
	ctx := context.Background()
	redisURL, stop := startRedis()
	defer stop()
	cleanup = stop
	// The peer first: the floor of this machine, measured in the same run.
	peer, err := measure(ctx, root, riePath, "peer", "./tools/coldstart/peer", "health", *runs, redisURL)
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "%-11s init median %.1f ms (max %.1f), package init %.2f ms / %.2f MB\n",
		"(peer)", ms(peer.initMedian), ms(peer.initMax), peer.pkgInitMS, peer.pkgInitMB)
	var results []result
	for _, f := range routes.Functions() {
		if len(selected) > 0 && !selected[f.Name] {
			continue
		}
		r, err := measure(ctx, root, riePath, f.Name, "./functions/"+f.Name, f.Name, *runs, redisURL)
		if err != nil {
			fail(err)
		}
		fmt.Fprintf(os.Stderr, "%-11s init median %.1f ms (max %.1f), package init %.2f ms / %.2f MB\n",
			r.name, ms(r.initMedian), ms(r.initMax), r.pkgInitMS, r.pkgInitMB)
		results = append(results, r)
	}
	report := render(peer, results, *runs)
	if *out == "" {
		fmt.Print(report)
		return
	}
	if err := os.WriteFile(*out, []byte(report), 0o644); err != nil {
		fail(err)
	}
}

// measure starts the main package pkg runs times, invoking the sample
// event of eventsOf (a function name under events/).
func measure(ctx context.Context, root, riePath, name, pkg, eventsOf string, runs int, redisURL string) (result, error) {
	dir, err := os.MkdirTemp("", "coldstart-"+name)
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	bin, err := rie.BuildPackage(ctx, root, pkg, dir)
	if err != nil {
		return result{}, err
	}
	r := result{name: name}
	if st, err := os.Stat(bin); err == nil {
		r.binaryMB = float64(st.Size()) / 1e6
	}
	if st, err := os.Stat(filepath.Join(root, "build", name+".zip")); err == nil {
		r.zipMB = float64(st.Size()) / 1e6
	}
	// The REST event of an HTTP function; $connect for the WebSocket one
	// (a message would post a reply to AWS); the authorizer's request.
	var event []byte
	for _, name := range []string{"apigw-rest.json", "ws-connect.json", "request.json"} {
		if event, err = os.ReadFile(filepath.Join(root, "events", eventsOf, name)); !os.IsNotExist(err) {
			break
		}
	}
	if err != nil {
		return r, err
	}
	// A real Redis, as deployed (no embedded one); clients connect lazily,
	// so init never waits on it, and the first invocation's time is real.
	env := []string{"REDIS_URL=" + redisURL, "RIPTIDE_API_KEYS=local-dev-key", "RIPTIDE_LOG_LEVEL=error",
		// The authorizer's stack, and an API Gateway control plane on a
		// closed loopback port: it meters on the plan's shared key, and
		// nothing leaves the machine.
		"RIPTIDE_GATEWAY_STACK=coldstart", "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=coldstart", "AWS_SECRET_ACCESS_KEY=coldstart",
		"AWS_ENDPOINT_URL_API_GATEWAY=http://127.0.0.1:" + strconv.Itoa(closedPort())}
	var inits []time.Duration
	for i := 0; i < runs; i++ {
		emu, err := rie.Start(ctx, riePath, bin, env)
		if err != nil {
			return r, err
		}
		start := time.Now()
		if _, err := emu.Invoke(ctx, event); err != nil {
			emu.Stop()
			return r, err
		}
		if i == 0 {
			r.invokeFirst = time.Since(start)
		}
		d, ok := emu.InitDuration()
		emu.Stop()
		if !ok {
			return r, fmt.Errorf("%s: no INIT REPORT in emulator output", name)
		}
		inits = append(inits, d)
	}
	sort.Slice(inits, func(i, j int) bool { return inits[i] < inits[j] })
	r.initMedian = inits[len(inits)/2]
	r.initMax = inits[len(inits)-1]
	// One inittrace run swings by several ms on a shared machine (workers
	// once read 5 ms above crawl with the same packages and allocations):
	// report the median of as many runs as cold starts.
	var pkgMS, pkgMB []float64
	for i := 0; i < runs; i++ {
		msSum, mbSum := packageInit(bin)
		pkgMS, pkgMB = append(pkgMS, msSum), append(pkgMB, mbSum)
	}
	sort.Float64s(pkgMS)
	sort.Float64s(pkgMB)
	r.pkgInitMS, r.pkgInitMB = pkgMS[len(pkgMS)/2], pkgMB[len(pkgMB)/2]
	return r, nil
}

var initLine = regexp.MustCompile(`^init \S+ @[0-9.]+ ms, ([0-9.]+) ms clock, ([0-9]+) bytes`)

// packageInit runs the binary with GODEBUG=inittrace=1 outside Lambda (it
// exits right after init, failing to reach the runtime API) and sums the
// per-package init costs it prints.
func packageInit(bin string) (msSum, mbSum float64) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1", "REDIS_URL=redis://127.0.0.1:1/0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		m := initLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		c, _ := strconv.ParseFloat(m[1], 64)
		b, _ := strconv.ParseFloat(m[2], 64)
		msSum += c
		mbSum += b / 1e6
	}
	return msSum, mbSum
}

// keptOut is the prose after the table: what was taken out of the
// functions' package init, and what keeps it out.
const keptOut = `
## What stays out of package init

Package init runs on every cold start, before the first request, whether or not the invocation
needs the package. ` + "`internal/archtest`" + ` (` + "`TestFunctionsLinkNothingSlowToStart`" + `) fails when a function
links one of the packages taken out for that reason:

- the AWS SDK's full configuration loader and the credential providers it links (functions read
  their role's credentials from the environment: ` + "`shared/awsenv`" + `);
- the SDK's service clients, whose generated schema and endpoint tables run at package init
  whether or not a call is made: Lambda Invoke (` + "`shared/awsapi/lambdainvoke`" + `), Bedrock Converse,
  Secrets Manager GetSecretValue, SQS (` + "`shared/queue/sqsqueue`" + `), Step Functions StartExecution
  (` + "`shared/stepfn`" + `) and EventBridge Scheduler (` + "`shared/queue/ebscheduler`" + `) are requests that
  ` + "`shared/awsapi`" + ` signs with the SDK's own signer, credentials and standard retryer. So is S3:
  ` + "`shared/blob/s3blob`" + ` makes PutObject, GetObject, HeadObject, DeleteObject and ListObjectsV2 as
  REST-XML requests and presigns its download and upload links with the same signer (S3's
  signing rules and bucket addressing in ` + "`awsapi`" + `, checked against the SDK's own endpoint rules
  in a test). The S3 client's endpoint tables and customizations took ~0.6 ms, ~880 allocations
  (113 KB) and nine packages of package init in every function that stores blobs, and 1.4 MB of
  each binary. Only the admin function's Secrets Manager rotation still uses an SDK client;
- goldmark: ` + "`shared/chunk`" + ` finds markdown headings with a port of goldmark's block parser
  (` + "`docs/chunking.md`" + `) instead of linking it. goldmark's packages took 1,501 allocations
  (284 KB) and 3-6 ms of package init (depending on machine load) in each of the ten functions
  that link chunk.
- ledongthuc/pdf's glyph-name table: upstream builds a 4,280-entry map in package init
  (~1.4 ms and 218 KB in every function that links ` + "`shared/pdf`" + `, crawl included, whether or not
  it ever meets a PDF). ` + "`go.mod`" + ` replaces the module with a copy
  (` + "`third_party/ledongthuc/pdf`" + `, ` + "`PATCH.md`" + ` there) that holds the same entries as a sorted
  array, static data the linker lays out, searched by binary search. Its package init is now one
  16-byte allocation (~0.05 ms).
- tiktoken-go and regexp2: ` + "`shared/chunk/tokenizer.go`" + ` cuts cl100k_base's pre-tokenizer pieces
  with a few lines of code per alternative of its pattern and merges byte pairs itself, token for
  token as tiktoken-go does (` + "`TestTokensMatchTiktoken`" + `, ` + "`FuzzTokensMatchTiktoken`" + `). regexp2's
  Unicode tables took 48 allocations (29 KB, ~0.1 ms here) of package init in the ten functions
  that link chunk; chunking is also 2-10x faster (` + "`docs/chunking.md`" + `).

` + "`TestFunctionsDoNoCostlyWorkAtPackageInit`" + ` fails when a package a function links compiles a
regexp (` + "`regexp.MustCompile`" + ` and kin) or hashes a Lua script (` + "`redis.NewScript`" + `) in a
package-level variable's initialiser or an ` + "`init`" + ` function: they are built on first use
(` + "`sync.OnceValue`" + `). Ten regexps (plan names, XML charset declarations, search parameters, LLM
field names, ...) and the stores' 26 scripts were made lazy. It also fails on a package-level map
literal in ` + "`shared/extract`" + `, whose fourteen tag and word sets (54 allocations, 23 KB in every
function that extracts) are switch functions now: static code, and no slower (extraction
benchmarks in the same run: equal allocations, equal CPU per dev-set page).

With the tokenizer, every function's package init lost 139-745 allocations
(` + "`GODEBUG=inittrace=1`" + ` sums, 31 interleaved runs per binary on this 2-core machine at load
1.4-3, before -> after): crawl 1,934 -> 1,505 allocations, 478 -> 379 KB, 2.70 -> 2.39 ms
median (x0.89); deepsearch 2,216 -> 1,471, 502 -> 380 KB, 2.85 -> 2.51 ms (x0.88); workers
1,931 -> 1,505, 477 -> 379 KB, 2.35 -> 1.99 ms (x0.85); spider 1,866 -> 1,466, 2.16 -> 1.74 ms
(x0.81); health 2,654 -> 2,461, 2.99 -> 2.95 ms. The peer's package init is 0.70 ms and 276
allocations here, 4.39 ms in the table above: the time moves with the machine, the allocation
counts do not.

Measured and left in (crawl, per package):

- miniredis and gopher-lua, ~0.09 ms and 177 allocations (gopher-lua boxes its preloaded numbers
  and fills its opcode table): every function is also what SAM local runs, where an empty
  ` + "`REDIS_URL`" + ` means an in-process Redis per function (` + "`template.yaml`" + `), so it stays linked.
- wazero, ~0.34 ms: 0.2 ms of it is ` + "`wazevo`" + `'s ` + "`crc32.MakeTable(crc32.Castagnoli)`" + `, which on amd64
  builds the SSE4.2 combine tables (` + "`hash/crc32`" + `'s ` + "`archInitCastagnoli`" + `); on arm64, where every
  function but render runs, that is a no-op. The rest is mostly ` + "`internal/platform`" + `'s huge-page
  probe (it lists /sys/kernel/mm/hugepages). Changing either means a copy of wazero (3 MB of
  source).
- golang.org/x/net/html's entity map (2,231 entries, 127 KB, ~0.2-0.3 ms): not vendored.
- chromedp's key table (233 allocations, 31 KB, ~0.07 ms) and jsonschema's (159 allocations,
  ~0.05 ms): upstream package-level maps.
`

func render(peer result, results []result, runs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Cold start\n\nGenerated by `make coldstart` on %s (%s/%s, %d cores) on %s.\n\n",
		goVersion(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	b.WriteString("Each function's host-architecture bootstrap (same flags as `make build`: `lambda.norpc`, `-trimpath`, `-s -w`) ")
	fmt.Fprintf(&b, "was started %d times under the AWS Lambda Runtime Interface Emulator, a fresh process each time, ", runs)
	b.WriteString("with `REDIS_URL` pointing at a local redis-server (clients connect lazily, so init never waits on it). ")
	b.WriteString("*Init* is the emulator's `INIT REPORT` duration: from process start to the runtime's first request for work. ")
	b.WriteString("*Package init* is the sum printed by `GODEBUG=inittrace=1`, the median of as many runs. *Zip* is `build/<name>.zip` (linux/arm64, or x86_64 for render) from `make build`.\n\n")
	b.WriteString("*Peer* is `tools/coldstart/peer`, the smallest Go Lambda behind API Gateway (aws-lambda-go, one handler), built the same way and measured in the same run: ")
	b.WriteString("the floor of the measuring machine. *× peer* divides a function's init median by the peer's, which depends less on the machine than absolute times do ")
	b.WriteString("(page faults and process start cost several times more in some sandboxes than in others).\n\n")
	b.WriteString("Targets: init ≤ 30 ms, zip ≤ 15 MB. On a machine where even the peer needs more than 10 ms, the absolute target says more about the machine than the code: read the × peer column there.\n\n")
	b.WriteString("| function | init median (ms) | × peer | init max (ms) | package init (ms) | package init alloc (MB) | zip (MB) | first invoke incl. init (ms) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	row := func(name string, r result, zip string) {
		fmt.Fprintf(&b, "| %s | %.1f | %.2f | %.1f | %.2f | %.2f | %s | %.1f |\n", name, ms(r.initMedian), ms(r.initMedian)/ms(peer.initMedian),
			ms(r.initMax), r.pkgInitMS, r.pkgInitMB, zip, ms(r.invokeFirst))
	}
	row("*peer*", peer, "")
	for _, r := range results {
		zip := "n/a (run `make build`)"
		if r.zipMB > 0 {
			zip = fmt.Sprintf("%.1f", r.zipMB)
		}
		row(r.name, r, zip)
	}
	b.WriteString("\nThe emulator's numbers are a floor for AWS: a real cold start adds the sandbox and code download, which depend on zip size.\n")
	b.WriteString("\nThe authorizer's first invocation includes its retries against an API Gateway endpoint on a closed loopback port (this measurement has no control plane, and sends nothing off the machine): it then meters the request on its plan's shared key.\n")
	b.WriteString(keptOut)
	return b.String()
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

// startRedis starts a redis-server on a free loopback port (the measured
// functions need a Redis like in AWS); without one it falls back to a
// closed port, and first-invocation times then include failed connects.
func startRedis() (string, func()) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldstart: no redis-server: first-invocation times include failed Redis connects")
		return "redis://127.0.0.1:1/0", func() {}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "redis://" + addr + "/0", func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cleanup runs before fail exits (deferred calls do not): the
// redis-server startRedis started must not outlive a failed run.
var cleanup = func() {}

func fail(err error) {
	cleanup()
	fmt.Fprintln(os.Stderr, "coldstart:", err)
	os.Exit(1)
}

// closedPort returns a loopback port nothing listens on (one just freed).
func closedPort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 9
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
