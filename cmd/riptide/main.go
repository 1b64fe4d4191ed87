// Command riptide is RipTide's CLI and local server.
//
//	riptide serve [--addr 127.0.0.1:8080]   every endpoint group on one port, embedded defaults
//	riptide crawl URL...                    crawl in process, print markdown or NDJSON
//	riptide extract [--ndjson] [FILE|-]      extract local HTML
//	riptide routes                          the route table
//	riptide openapi                         the OpenAPI document (JSON)
//	riptide version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `riptide: web crawling and content extraction

Usage:
  riptide serve [--addr ADDR]   run every endpoint group on one port (embedded Redis unless REDIS_URL)
  riptide crawl [flags] URL...  crawl URLs in this process and print them (--ndjson for JSON lines)
  riptide extract [flags] [FILE|-]
                                extract HTML from a file or stdin (--ndjson: batch of {"id","url","html"} lines)
  riptide routes                list the route table
  riptide openapi               print the OpenAPI document
  riptide version               print the version

Configuration comes from environment variables (see README.md).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "extract":
		err = extractCmd(ctx, args[1:], stdin, stdout, stderr)
	case "crawl":
		err = crawlCmd(ctx, args[1:], stdout, stderr, os.LookupEnv)
	case "routes":
		err = printRoutes(stdout)
	case "openapi":
		err = printOpenAPI(stdout)
	case "version", "--version", "-v":
		err = printVersion(stdout)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "riptide: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "riptide %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
