package spider

import (
	"context"
	"fmt"
	"time"
)

// OwnedRun is a run as a tenant's export lists it (docs/privacy.md).
// Pages crawled belong to their sites, not to the caller: the export
// names the runs and what they were asked to crawl, not their results.
type OwnedRun struct {
	SpiderID  string     `json:"spider_id"`
	State     string     `json:"status"`
	SeedURLs  []string   `json:"seed_urls"`
	Pages     int64      `json:"pages_crawled"`
	CreatedAt time.Time  `json:"created_at"`
	Finished  *time.Time `json:"finished_at,omitempty"`
}

// ExportOwnedRuns lists every run of owner in runs, oldest first.
func ExportOwnedRuns(ctx context.Context, runs RunStore, owner string) ([]OwnedRun, error) {
	ids, err := runs.OwnedRuns(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("list the owner's spider runs: %w", err)
	}
	out := []OwnedRun{}
	for _, id := range ids {
		m, err := runs.Load(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("read spider run %s: %w", id, err)
		}
		if m == nil {
			continue // expired since it was listed
		}
		out = append(out, OwnedRun{SpiderID: id, State: m.State, SeedURLs: m.Seeds, Pages: m.Crawled,
			CreatedAt: m.Created, Finished: timePtr(m.Finished)})
	}
	return out, nil
}

// DeleteOwnedRuns removes every run of owner with its frontier and
// results, and returns how many runs went. A run still crawling finds its
// state gone at its next step and ends there.
func DeleteOwnedRuns(ctx context.Context, runs RunStore, owner string) (int64, error) {
	ids, err := runs.OwnedRuns(ctx, owner)
	if err != nil {
		return 0, fmt.Errorf("list the owner's spider runs: %w", err)
	}
	var n int64
	for _, id := range ids {
		if err := runs.SetActive(ctx, id, false); err != nil {
			return n, fmt.Errorf("unmark spider run %s active: %w", id, err)
		}
		if err := runs.Delete(ctx, id); err != nil {
			return n, fmt.Errorf("delete spider run %s: %w", id, err)
		}
		n++
	}
	return n, nil
}
