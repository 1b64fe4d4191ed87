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
	"github.com/riptidecrawler/riptide/shared/bufpool"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// A results list entry is a record itself (JSON, so it starts with "{"),
// or a reference to a record stored elsewhere:
//   - "@" + a Redis key: a record over maxListedRecord in a string key of
//     its own (every release since records left the list);
//   - "%" + a blob key + ":" + offset + ":" + length: a record of at least
//     MinBlobRecord in the run store's blob store (a process with a shared
//     blob store: S3 or a folder), length bytes at offset of the one object
//     that holds every such record of one Complete call. The key is
//     "<run id>/<batch>-<n>.jsonl" (blob keys have no ":", so the last two
//     fields parse back unambiguously);
//   - "&" + a blob key: a record that is a whole object of its own, key
//     "<run id>/<batch>-<n>.json" (releases before batch objects; still
//     read and deleted). Complete also names a whole batch object so when
//     it drops one (dropRecords).
const (
	redisRecordRef     = "@"
	batchRecordRef     = "%"
	blobRecordRef      = "&"
	batchRecordRefSep  = ":"
	batchObjectSuffix  = ".jsonl"
	batchObjectNewline = '\n'
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

// blobParallel bounds the blob calls one Results or Delete makes at once:
// S3 answers a GET or DELETE in tens of milliseconds, so a page of results
// spanning several objects reads them together, not one after the other.
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

// blobBatchKey names the object of one Complete call's blob records:
// under the run id, so a listing by run finds every object of a run.
func (r *Runs) blobBatchKey(id, batch string) string {
	return id + "/" + batch + "-" + strconv.FormatUint(r.records.Add(1), 10) + batchObjectSuffix
}

// batchRef is the list entry of the record at [offset, offset+length) of
// the object key.
func batchRef(key string, offset, length int) string {
	return batchRecordRef + key + batchRecordRefSep + strconv.Itoa(offset) + batchRecordRefSep + strconv.Itoa(length)
}

// blobSlice is where a blob record is: length bytes at offset of the
// object key, or the whole object when length < 0 (the "&" form).
type blobSlice struct {
	key            string
	offset, length int
}

// parseBlobRef reads a "%" or "&" list entry; ok is false for any other
// entry (a record, an "@" reference).
func parseBlobRef(ref string) (s blobSlice, ok bool, err error) {
	if key, found := strings.CutPrefix(ref, blobRecordRef); found {
		return blobSlice{key: key, length: -1}, true, nil
	}
	rest, found := strings.CutPrefix(ref, batchRecordRef)
	if !found {
		return blobSlice{}, false, nil
	}
	rest, l, _ := cutLast(rest, batchRecordRefSep)
	key, o, _ := cutLast(rest, batchRecordRefSep)
	s = blobSlice{key: key}
	if s.offset, err = strconv.Atoi(o); err == nil {
		s.length, err = strconv.Atoi(l)
	}
	if err != nil || key == "" || s.offset < 0 || s.length < 0 {
		return blobSlice{}, true, fmt.Errorf("malformed result record reference %.200q", ref)
	}
	return s, true, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return "", s, false
}

// batchObject lays the blob records of one Complete call out back to back
// in one object, each followed by a newline (the object reads as JSON
// Lines; the references' offsets do not depend on it), and returns the
// object and each record's reference ("" for a record not in it).
//
// One object per call, not per record: creating a file per record was
// 18% of the crawl's CPU on a blob folder (ext4 create ~0.5 ms), and on
// S3 each is a PUT billed per request. A call holds at most 16 pages
// (spider.maxRecordGroup), so reading whole objects back keeps a Results
// page cheap: at most the two objects at its ends carry records outside
// it, instead of a ranged Get every adapter would need.
func batchObject(buf []byte, key string, outcomes []spider.Outcome, inBlob func(o spider.Outcome) bool) (data []byte, refs []string) {
	size := 0
	for _, o := range outcomes {
		if inBlob(o) {
			size += len(o.Result) + 1
		}
	}
	if size == 0 {
		return nil, nil
	}
	if cap(buf) < size {
		// A quarter to spare: the next call's pages are about as large, and
		// a buffer of exactly this size would be replaced by most of them.
		buf = make([]byte, 0, size+size/4)
	}
	data, refs = buf[:0], make([]string, len(outcomes))
	for i, o := range outcomes {
		if inBlob(o) {
			refs[i] = batchRef(key, len(data), len(o.Result))
			data = append(append(data, o.Result...), batchObjectNewline)
		}
	}
	return data, refs
}

// objectBuffers holds the buffers record objects are built in. An object
// lives from its batch's Complete to the blob Put that stores it (Put keeps
// no reference); reusing its buffer saves an allocation of 16 pages'
// records (0.5-3 MB) per call, an eighth of what a spider run on Redis
// allocated.
var objectBuffers = bufpool.New(8 << 20)

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

// readBlobRecords fills records[at[j]] with the record slices[j]. Each
// object is read once, however many of the records it holds; a missing
// object is reported through missing as the smallest index in at of its
// records, as an expired Redis key is.
func (r *Runs) readBlobRecords(ctx context.Context, where []blobSlice, at []int, records [][]byte) (missing int, err error) {
	byKey := map[string][]int{} // object key -> indexes in slices
	var keys []string
	for j, s := range where {
		if _, ok := byKey[s.key]; !ok {
			keys = append(keys, s.key)
		}
		byKey[s.key] = append(byKey[s.key], j)
	}
	missing = -1
	var mu sync.Mutex
	err = each(len(keys), func(i int) error {
		data, _, err := r.blobs.Get(ctx, keys[i])
		if errors.Is(err, blob.ErrNotFound) {
			mu.Lock()
			for _, j := range byKey[keys[i]] {
				if missing < 0 || at[j] < missing {
					missing = at[j]
				}
			}
			mu.Unlock()
			return nil
		}
		if err != nil {
			return fmt.Errorf("read result records: %w", err)
		}
		for _, j := range byKey[keys[i]] {
			s := where[j]
			if s.length < 0 {
				records[at[j]] = data
				continue
			}
			end := s.offset + s.length
			if end > len(data) {
				return fmt.Errorf("result record at %d+%d of %s: the object has %d bytes", s.offset, s.length, s.key, len(data))
			}
			// Capped, so appending to one record never writes into the next.
			records[at[j]] = data[s.offset:end:end]
		}
		return nil
	})
	return missing, err
}

// dropRecords deletes the records behind list entries that were written
// but not listed (a failed completion), or listed in a run being deleted.
// A record already gone is no error. An object is deleted once however
// many of refs are in it; deleted, when not nil, carries the objects
// already deleted across calls (a run's references are walked in chunks).
func (r *Runs) dropRecords(ctx context.Context, refs []string, deleted map[string]struct{}) error {
	if deleted == nil {
		deleted = map[string]struct{}{}
	}
	var redisKeys, blobKeys []string
	var errs []error
	for _, ref := range refs {
		if key, ok := strings.CutPrefix(ref, redisRecordRef); ok {
			redisKeys = append(redisKeys, key)
			continue
		}
		s, ok, err := parseBlobRef(ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, done := deleted[s.key]; ok && !done {
			deleted[s.key] = struct{}{}
			blobKeys = append(blobKeys, s.key)
		}
	}
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
		return fmt.Errorf("%d result record objects are in a blob store this process does not have", len(keys))
	}
	return each(len(keys), func(i int) error {
		if err := r.blobs.Delete(ctx, keys[i]); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("delete result records: %w", err)
		}
		return nil
	})
}

// recordScan is how many results list entries one call reads when
// walking the record references.
const recordScan = 1000

// eachRecordRef calls do with the record references ("@", "%" or "&" entries)
// of the run's results list, recordScan entries at a time.
func (r *Runs) eachRecordRef(ctx context.Context, k runKeys, do func(refs []string) error) error {
	for start := int64(0); ; start += recordScan {
		entries, err := r.s.Client.LRange(ctx, k.results, start, start+recordScan-1).Result()
		if err != nil {
			return err
		}
		refs := entries[:0]
		for _, e := range entries {
			if strings.HasPrefix(e, redisRecordRef) || strings.HasPrefix(e, batchRecordRef) || strings.HasPrefix(e, blobRecordRef) {
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
