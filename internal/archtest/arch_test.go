// Package archtest holds the project's structural rules as tests, checked
// against what the go command reports, so a change that breaks a layer
// fails CI instead of waiting for a review to notice.
package archtest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/functest"
)

const module = "github.com/riptidecrawler/riptide"

// engines are the pure engine packages: they know nothing of Lambda,
// Redis or AWS, define the ports they need, and are tested with fixtures.
// A package listed here that does not exist yet is checked once it does.
var engines = []string{
	"shared/spider", "shared/render", "shared/extract", "shared/fetch", "shared/pipeline",
	"shared/pdf", "shared/tables", "shared/chunk", "shared/wasm", "shared/strategy",
	"shared/search", "shared/llm", "shared/jobs", "shared/monitor", "shared/urlnorm", "shared/stealth", "shared/core",
	"shared/keys", "shared/audit", "shared/privacy", "shared/sessions", "shared/ratelimit", "shared/rotation", "shared/bufpool",
}

// forbiddenInEngines are modules an engine must not link, even indirectly.
var forbiddenInEngines = []string{
	"github.com/aws/aws-lambda-go",
	"github.com/redis/go-redis",
	"github.com/aws/aws-sdk-go-v2",
	"github.com/alicebob/miniredis",
}

func goList(t *testing.T, root string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = root
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
	}
	var lines []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestEnginesArePure: `go list -deps` of every engine shows none of the
// Lambda runtime, the Redis client or the AWS SDK.
func TestEnginesArePure(t *testing.T) {
	root := functest.RepoRoot(t)
	for _, e := range engines {
		if _, err := os.Stat(filepath.Join(root, e)); err != nil {
			continue
		}
		for _, dep := range goList(t, root, "-deps", "./"+e) {
			for _, bad := range forbiddenInEngines {
				if strings.HasPrefix(dep, bad) {
					t.Errorf("engine %s links %s: put the adapter behind a port (shared/store, an AWS adapter package) and let the wiring choose it", e, dep)
				}
			}
		}
	}
}

// TestImportsPointDown: below the handlers (shared/api/*) and the
// composition root (shared/wire/*) nothing imports either, even
// indirectly; handlers never import the root or the configuration.
func TestImportsPointDown(t *testing.T) {
	root := functest.RepoRoot(t)
	for _, line := range goList(t, root, "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "./shared/...") {
		fields := strings.Fields(line)
		pkg, deps := strings.TrimPrefix(fields[0], module+"/"), fields[1:]
		isHandler := strings.HasPrefix(pkg, "shared/api/")
		isRoot := pkg == "shared/wire" || strings.HasPrefix(pkg, "shared/wire/")
		if isRoot {
			continue
		}
		for _, d := range deps {
			dep := strings.TrimPrefix(d, module+"/")
			switch {
			case dep == "shared/wire" || strings.HasPrefix(dep, "shared/wire/"):
				t.Errorf("%s imports the composition root %s: take a Deps struct instead", pkg, dep)
			case !isHandler && strings.HasPrefix(dep, "shared/api/"):
				t.Errorf("%s (below the handlers) imports the handler package %s", pkg, dep)
			case isHandler && dep == "shared/config":
				t.Errorf("handler package %s imports shared/config: configuration is read by the wiring", pkg)
			}
		}
	}
}

// TestOnlyTheRootBuildsFetchers: a fetcher owns the robots cache, the
// connection pool, politeness and circuit breakers, so a process has one;
// it is built in shared/wire and nowhere else in shipped code.
func TestOnlyTheRootBuildsFetchers(t *testing.T) {
	root := functest.RepoRoot(t)
	for _, dir := range []string{"shared", "functions", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			if strings.HasPrefix(filepath.ToSlash(rel), "shared/wire/") || strings.HasPrefix(filepath.ToSlash(rel), "shared/fetch/") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.Contains(src, []byte("fetch.New(")) {
				t.Errorf("%s builds a fetcher: ask the process for its one (wire.Process.Fetcher)", rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// slowToStart are packages whose package init costs a Lambda's cold start
// milliseconds (generated schema and endpoint tables) and that a function
// has no use for: the SDK's full config loader and the credential providers
// it links (SSO, SSO-OIDC, STS, sign-in), since a function reads its role's
// credentials from the environment (shared/awsenv); the Lambda and
// Bedrock clients (~4 ms and ~2.5 ms of a 30 ms budget for one operation
// each), which shared/awsapi makes instead; the SQS, Step Functions and
// Scheduler clients (~1.5, ~0.5 and ~0.3 ms), whose few operations
// shared/queue/sqsqueue, shared/stepfn and shared/queue/ebscheduler make
// over awsapi; the S3 client (~0.6 ms and ~1,000 allocations in every
// function that stores blobs), whose six operations shared/blob/s3blob
// makes over awsapi. And goldmark (~3 ms and ~1,500 allocations of package
// init): chunk finds markdown headings with its own block scanner, and
// goldmark is only its tests' reference; so is tiktoken-go, whose regexp2
// pre-tokenizer's Unicode tables took ~50 allocations (29 KB) of package
// init in every function that links chunk: chunk cuts cl100k's pieces
// with its own code.
var slowToStart = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/service/lambda",
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime",
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager",
	"github.com/aws/aws-sdk-go-v2/service/sqs",
	"github.com/aws/aws-sdk-go-v2/service/sfn",
	"github.com/aws/aws-sdk-go-v2/service/scheduler",
	"github.com/aws/aws-sdk-go-v2/service/s3",
	"github.com/yuin/goldmark",
	"github.com/pkoukk/tiktoken-go",
	"github.com/dlclark/regexp2",
}

// slowToStartAllowed names the one function that may link a package of
// slowToStart: the admin function rotates secrets with the SDK's Secrets
// Manager client (four operations); every other function only reads them
// (shared/secrets over shared/awsapi).
var slowToStartAllowed = map[string]string{
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager": module + "/functions/admin",
}

// TestFunctionsLinkNothingSlowToStart: no Lambda function links a package
// of slowToStart (or one below it), even indirectly, and awsapi links no
// service client at all.
func TestFunctionsLinkNothingSlowToStart(t *testing.T) {
	root := functest.RepoRoot(t)
	for _, line := range goList(t, root, "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "./functions/...") {
		fields := strings.Fields(line)
		for _, dep := range fields[1:] {
			for _, bad := range slowToStart {
				if (dep == bad || strings.HasPrefix(dep, bad+"/")) && slowToStartAllowed[bad] != fields[0] {
					t.Errorf("%s links %s: its package init slows every cold start (AWS configuration: wire.Process.AWS; AWS API calls: shared/awsapi, S3 objects: shared/blob/s3blob; markdown structure: shared/chunk's block scanner; cl100k tokens: shared/chunk's tokenizer)", fields[0], dep)
				}
			}
		}
	}
	for _, dep := range goList(t, root, "-deps", "./shared/awsapi/...") {
		if strings.HasPrefix(dep, "github.com/aws/aws-sdk-go-v2/service/") {
			t.Errorf("shared/awsapi links %s: it must stay free of service clients", dep)
		}
	}
}
