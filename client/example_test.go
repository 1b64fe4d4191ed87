package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/riptidecrawler/riptide/client"
)

// The examples are compiled, not run: they need a RipTide server (start one
// with `riptide serve`). docs/client.md shows the same code; a test keeps
// the two equal.

func Example() {
	ctx := context.Background()
	c, err := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("RIPTIDE_API_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.Crawl(ctx, client.CrawlRequest{URLs: []string{"https://example.com/", "https://example.org/"}})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res.Results {
		if !r.OK() {
			fmt.Printf("%s failed: %s: %s\n", r.URL, r.Error.Type, r.Error.Message)
			continue
		}
		fmt.Printf("%s: %s (%d words)\n", r.URL, r.Document.Title, r.Document.WordCount)
	}
}

func ExampleClient_CrawlStream() {
	ctx := context.Background()
	c, _ := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("RIPTIDE_API_KEY")))
	req := client.CrawlRequest{
		URLs:    []string{"https://example.com/a", "https://example.com/b"},
		Options: &client.CrawlOptions{Options: client.Options{Concurrency: 8, Formats: []string{"markdown", "metadata"}}},
	}
	for ev, err := range c.CrawlStream(ctx, req) {
		if err != nil {
			log.Fatal(err) // a *client.Error, or client.ErrStreamCut when the stream broke off
		}
		switch {
		case ev.Result != nil:
			fmt.Println(ev.Result.Index, ev.Result.Result.URL, ev.Result.Progress.Completed, "/", ev.Result.Progress.Total)
		case ev.Summary != nil:
			fmt.Println("failed:", ev.Summary.Stats.Failed)
		}
	}
}

func ExampleClient_SubmitJob() {
	ctx := context.Background()
	c, _ := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("RIPTIDE_API_KEY")))
	acc, err := c.SubmitJob(ctx, client.JobSpec{
		Type: "batch_crawl",
		URLs: []string{"https://example.com/a", "https://example.com/b"},
		// With a key, a resubmission returns the first job, and the client
		// may retry the submission on 429 and 503.
		IdempotencyKey: "nightly-2026-12-01",
	})
	if err != nil {
		log.Fatal(err)
	}
	job, err := c.WaitJob(ctx, acc.JobID, time.Second)
	if err != nil {
		log.Fatal(err)
	}
	page, err := c.JobResult(ctx, job.JobID, "")
	if err != nil {
		log.Fatal(err)
	}
	items, err := page.CrawlItems()
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range items {
		fmt.Println(it.Index, it.Result.URL, it.Result.Status)
	}
}

func ExampleClient_SpiderResultsStream() {
	ctx := context.Background()
	c, _ := client.New("http://127.0.0.1:8080", client.WithAPIKey(os.Getenv("RIPTIDE_API_KEY")))
	run, err := c.SpiderStart(ctx, client.SpiderRequest{
		SeedURLs: []string{"https://example.com/"},
		Options:  &client.SpiderOptions{MaxPages: 200, MaxDepth: 3},
	})
	if err != nil {
		log.Fatal(err)
	}
	// follow: keep reading until the run ends.
	for ev, err := range c.SpiderResultsStream(ctx, run.SpiderID, true) {
		if err != nil {
			log.Fatal(err)
		}
		if ev.Page != nil {
			fmt.Println(ev.Page.Depth, ev.Page.URL)
		}
	}
}

func ExampleError() {
	ctx := context.Background()
	c, _ := client.New("http://127.0.0.1:8080",
		client.WithAPIKey(os.Getenv("RIPTIDE_API_KEY")),
		client.WithHTTPClient(&http.Client{Transport: http.DefaultTransport}),
		client.WithRetry(client.RetryPolicy{MaxRetries: 5, MaxWait: time.Minute, Backoff: time.Second}),
	)
	_, err := c.Extract(ctx, client.ExtractRequest{URL: "https://example.com/"})
	var apiErr *client.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Type == "rate_limited":
		fmt.Println("still rate limited; retry after", apiErr.RetryAfter)
	case errors.As(err, &apiErr):
		fmt.Println(apiErr.Status, apiErr.Type, apiErr.Message, "request", apiErr.RequestID)
	case err != nil:
		fmt.Println("transport:", err)
	}
}
