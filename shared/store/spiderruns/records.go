package spiderruns

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/blob"
)

// A results list entry is a record itself (JSON, so it starts with "{"),
// or a reference to a record stored elsewhere:
//   - "@" + a Redis key: a record over maxListedRecord in a string key of
//     its own (every release since records left the list);
//   - "&" + a blob key: a record of at least MinBlobRecord in the run
//     store's blob store (a process with a shared blob store: S3 or a
//     folder). The key is "<run id>/<batch>-<n>.json".
const (
	redisRecordRef = "@"
	blobRecordRef  = "&"
)

// MinBlobRecord is the smallest record written to the blob store when the
// run store has one (WithBlobRecords with minSize 0); smaller large records stay in Redis keys. Measured
// with bench/spider on redis-server 7.0 and a blob folder
// (docs/benchmarks.md): the page records of a crawl with extraction are
// 20-100 KB each and carry ~97% of the run's record bytes, so 16 KiB moves
// nearly all the bytes off Redis while a record of a failed or skipped page
// (a few hundred bytes to a few KB) costs one Redis SET (2-5 us) instead of
// an S3 PUT (tens of ms, and billed per request).
const MinBlobRecord = 16 << 10

// blobParallel bounds the blob calls one Complete or Results makes at once:
// S3 answers a PUT or GET in tens of milliseconds, so a batch's records go
// up together, not one after the other.
const blobParallel = 16

// Option configures a Runs.
type Option func(*Runs)

// WithBlobRecords keeps result records of minSize bytes or more (0:
// MinBlobRecord) in records (a view of the process's blob store under its
// own prefix) instead of Redis. Only a store every process of the deployment reaches
// may be given (S3, or a folder of the one local server): another process
// reads the records back. Deleting a run deletes its objects; a run that
// simply expires leaves them to the store's own expiry (S3 lifecycle,
// docs/data-retention.md).
func WithBlobRecords(records blob.Store, minSize int) Option {
	if minSize <= 0 {
		minSize = MinBlobRecord
	}
	return func(r *Runs) { r.blobs, r.minBlob = records, minSize }
}

// blobRecordKey names the object of one record: under the run id, so a
// listing by run finds every object of a run.
func (r *Runs) blobRecordKey(id, batch string) string {
	return id + "/" + batch + "-" + strconv.FormatUint(r.records.Add(1), 10) + ".json"
}

// each runs do(i) for i in [0, n), blobParallel at a time, and returns the
// first error.
func each(n int, do func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		slots = make(chan struct{}, blobParallel)
	)
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := do(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// putBlobRecords writes records[i] to keys[i] for every non-empty key.
func (r *Runs) putBlobRecords(ctx context.Context, keys []string, records [][]byte) error {
	return each(len(keys), func(i int) error {
		if keys[i] == "" {
			return nil
		}
		// No content type: records are read back by the store only, and
		// the local folder store then creates one file per record, not two.
		if err := r.blobs.Put(ctx, keys[i], "", records[i]); err != nil {
			return fmt.Errorf("store result record: %w", err)
		}
		return nil
	})
}

// getBlobRecords reads the records of keys; a missing one is reported by
// its index in keys through missing, as an expired Redis key is.
func (r *Runs) getBlobRecords(ctx context.Context, keys []string) (records [][]byte, missing int, err error) {
	records = make([][]byte, len(keys))
	missing = -1
	var mu sync.Mutex
	err = each(len(keys), func(i int) error {
		data, _, err := r.blobs.Get(ctx, keys[i])
		if errors.Is(err, blob.ErrNotFound) {
			mu.Lock()
			if missing < 0 || i < missing {
				missing = i
			}
			mu.Unlock()
			return nil
		}
		if err != nil {
			return fmt.Errorf("read result record: %w", err)
		}
		records[i] = data
		return nil
	})
	return records, missing, err
}

// dropRecords deletes the records behind list entries that were written
// but not listed (a stale or duplicate page, a failed completion), or
// listed in a run being deleted. A record already gone is no error.
func (r *Runs) dropRecords(ctx context.Context, refs []string) error {
	var redisKeys, blobKeys []string
	for _, ref := range refs {
		if key, ok := strings.CutPrefix(ref, redisRecordRef); ok {
			redisKeys = append(redisKeys, key)
		} else if key, ok := strings.CutPrefix(ref, blobRecordRef); ok {
			blobKeys = append(blobKeys, key)
		}
	}
	var errs []error
	if len(redisKeys) > 0 {
		errs = append(errs, r.s.Client.Del(ctx, redisKeys...).Err())
	}
	if len(blobKeys) > 0 {
		errs = append(errs, r.deleteBlobs(ctx, blobKeys))
	}
	return errors.Join(errs...)
}

func (r *Runs) deleteBlobs(ctx context.Context, keys []string) error {
	if r.blobs == nil {
		// A run written by a process with a blob store, deleted by one
		// without: the objects cannot be reached from here.
		return fmt.Errorf("%d result records are in a blob store this process does not have", len(keys))
	}
	return each(len(keys), func(i int) error {
		if err := r.blobs.Delete(ctx, keys[i]); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("delete result record: %w", err)
		}
		return nil
	})
}

// recordScan is how many results list entries one call reads when
// walking the record references.
const recordScan = 1000

// eachRecordRef calls do with the record references ("@" or "&" entries)
// of the run's results list, recordScan entries at a time.
func (r *Runs) eachRecordRef(ctx context.Context, k runKeys, do func(refs []string) error) error {
	for start := int64(0); ; start += recordScan {
		entries, err := r.s.Client.LRange(ctx, k.results, start, start+recordScan-1).Result()
		if err != nil {
			return err
		}
		refs := entries[:0]
		for _, e := range entries {
			if strings.HasPrefix(e, redisRecordRef) || strings.HasPrefix(e, blobRecordRef) {
				refs = append(refs, e)
			}
		}
		if len(refs) > 0 {
			if err := do(refs); err != nil {
				return err
			}
		}
		if len(entries) < recordScan {
			return nil
		}
	}
}

// expireRecordKeys sets the TTL of the Redis record keys among refs. Blob
// records have no TTL of their own: the store's expiry covers the longest
// a run's results may live (docs/data-retention.md).
func (r *Runs) expireRecordKeys(ctx context.Context, refs []string, do func(p redis.Pipeliner, key string)) error {
	pipe := r.s.Client.Pipeline()
	for _, ref := range refs {
		if key, ok := strings.CutPrefix(ref, redisRecordRef); ok {
			do(pipe, key)
		}
	}
	if pipe.Len() == 0 {
		return nil
	}
	_, err := pipe.Exec(ctx)
	return err
}
