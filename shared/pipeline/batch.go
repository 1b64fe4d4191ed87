package pipeline

import (
	"context"
	"sync"
)

// Emit receives each result of a batch as it completes, with the URL's
// index in the request. Calls are serialised; a slow Emit (a slow stream
// reader) holds the workers back instead of dropping anything.
type Emit func(index int, r Result) error

// Batch crawls urls with at most opts.Concurrency in flight and calls emit
// once per URL in completion order. It stops early, with the context's or
// emit's error, when ctx is done or emit fails (the client went away);
// URLs not started by then are not crawled.
func (p *Pipeline) Batch(ctx context.Context, urls []string, opts Options, emit Emit) (Stats, error) {
	start := p.now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		mu      sync.Mutex
		stats   = Stats{TotalURLs: len(urls)}
		emitErr error
		wg      sync.WaitGroup
	)
	workers := min(opts.Concurrency, len(urls))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := p.Crawl(ctx, urls[i], opts)
				mu.Lock()
				if emitErr == nil {
					stats.Add(r)
					if err := emit(i, r); err != nil {
						emitErr = err
						cancel()
					}
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range urls {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	stats.Finish(p.now().Sub(start))
	if emitErr != nil {
		return stats, emitErr
	}
	return stats, ctx.Err()
}
