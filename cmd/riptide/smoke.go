package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// smokeOptions are the flags of riptide smoke.
type smokeOptions struct {
	baseURL, apiKey, page string
	skipRender            bool
	timeout               time.Duration
}

func (c cli) smokeCommand() *cobra.Command {
	var o smokeOptions
	cmd := &cobra.Command{
		Use:   "smoke --base-url URL --api-key KEY",
		Short: "Check a deployed (or local) RipTide: health, a crawl of a known page, a stream, a render",
		Long: `Run the post-deploy smoke test against a RipTide base URL (the stack's ApiUrl,
or http://127.0.0.1:8080/ for 'riptide serve'): the health report, a crawl of a
known page, the same crawl as an NDJSON stream, and a render. The known page is
the deployment's own public OpenAPI document unless --page names another, so the
check depends on no third-party site. Exit status 1 when a check fails.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.baseURL == "" {
				return usageError{errors.New("--base-url is required")}
			}
			if !strings.HasSuffix(o.baseURL, "/") {
				o.baseURL += "/"
			}
			if o.page == "" {
				o.page = o.baseURL + "api/v1/openapi.json"
			}
			return smoke(cmd.Context(), o, c.stdout)
		},
	}
	cmd.Flags().StringVar(&o.baseURL, "base-url", "", "the API's base URL (required)")
	cmd.Flags().StringVar(&o.apiKey, "api-key", "", "an API key (sent as X-API-Key)")
	cmd.Flags().StringVar(&o.page, "page", "", "the page to crawl and render (default: <base-url>api/v1/openapi.json)")
	cmd.Flags().BoolVar(&o.skipRender, "skip-render", false, "skip the render check (no browser where the API runs)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 60*time.Second, "time limit of each check")
	return cmd
}

// smoke runs the checks in order and reports each; it fails when any did.
func smoke(ctx context.Context, o smokeOptions, out io.Writer) error {
	client := &http.Client{Timeout: o.timeout}
	call := func(ctx context.Context, method, path string, body any) (*http.Response, error) {
		var rd io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				return nil, err
			}
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, o.baseURL+path, rd)
		if err != nil {
			return nil, err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if o.apiKey != "" {
			req.Header.Set("X-API-Key", o.apiKey)
		}
		return client.Do(req)
	}
	readJSON := func(resp *http.Response, v any) error {
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
		}
		return json.Unmarshal(b, v)
	}
	crawlBody := map[string]any{"urls": []string{o.page}, "options": map[string]any{"cache_mode": "bypass"}}
	checks := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"health", func(ctx context.Context) error {
			resp, err := call(ctx, "GET", "api/v1/health", nil)
			if err != nil {
				return err
			}
			var rep struct {
				Status string `json:"status"`
			}
			if err := readJSON(resp, &rep); err != nil {
				return err
			}
			// degraded means only an optional dependency (the browser, say)
			// is down: the service answers and crawls, which the next
			// checks prove; unhealthy (a required one down) fails.
			if rep.Status != "healthy" && rep.Status != "degraded" {
				return fmt.Errorf("status %q", rep.Status)
			}
			return nil
		}},
		{"crawl", func(ctx context.Context) error {
			resp, err := call(ctx, "POST", "api/v1/crawl", crawlBody)
			if err != nil {
				return err
			}
			var rep struct {
				Results []struct {
					Error *struct {
						Type    string `json:"type"`
						Message string `json:"message"`
					} `json:"error"`
					Document *struct {
						WordCount int `json:"word_count"`
					} `json:"document"`
				} `json:"results"`
			}
			if err := readJSON(resp, &rep); err != nil {
				return err
			}
			switch {
			case len(rep.Results) != 1:
				return fmt.Errorf("%d results for one URL", len(rep.Results))
			case rep.Results[0].Error != nil:
				return fmt.Errorf("%s: %s", rep.Results[0].Error.Type, rep.Results[0].Error.Message)
			case rep.Results[0].Document == nil || rep.Results[0].Document.WordCount == 0:
				return errors.New("no text extracted")
			}
			return nil
		}},
		{"stream", func(ctx context.Context) error {
			resp, err := call(ctx, "POST", "api/v1/crawl/stream", crawlBody)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
				return fmt.Errorf("status %d: %s", resp.StatusCode, b)
			}
			var types []string
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 1<<20), 32<<20)
			for sc.Scan() {
				var line struct {
					Type string `json:"type"`
				}
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					return fmt.Errorf("line %d is not JSON: %v", len(types)+1, err)
				}
				types = append(types, line.Type)
			}
			if err := sc.Err(); err != nil {
				return err
			}
			if len(types) < 3 || types[0] != "metadata" || types[len(types)-1] != "summary" || !slices.Contains(types, "result") {
				return fmt.Errorf("lines %v: want metadata, result, summary", types)
			}
			return nil
		}},
		{"render", func(ctx context.Context) error {
			if o.skipRender {
				return errSkipped
			}
			resp, err := call(ctx, "POST", "api/v1/render", map[string]any{"url": o.page})
			if err != nil {
				return err
			}
			var rep map[string]any
			return readJSON(resp, &rep)
		}},
	}
	failed := 0
	for _, ch := range checks {
		cctx, cancel := context.WithTimeout(ctx, o.timeout)
		start := time.Now()
		err := ch.run(cctx)
		cancel()
		took := time.Since(start).Round(time.Millisecond)
		switch {
		case errors.Is(err, errSkipped):
			fmt.Fprintf(out, "skip  %-7s\n", ch.name)
		case err != nil:
			failed++
			fmt.Fprintf(out, "FAIL  %-7s %v (%v)\n", ch.name, err, took)
		default:
			fmt.Fprintf(out, "ok    %-7s %v\n", ch.name, took)
		}
	}
	if failed > 0 {
		return fmt.Errorf("smoke test: %d of %d checks failed against %s", failed, len(checks), o.baseURL)
	}
	return nil
}

var errSkipped = errors.New("skipped")
