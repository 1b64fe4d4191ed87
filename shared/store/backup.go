package store

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// BackupFormat names RipTide's logical backup: gzip of NDJSON, a header
// line then one line per key with Redis's own serialization of the value
// (DUMP), so every type (strings, hashes, lists, sets, sorted sets,
// streams) round-trips exactly. Keys are stored without the store's
// prefix, so a backup restores under any prefix.
const (
	BackupFormat        = "riptide-backup"
	BackupFormatVersion = 1
)

// BackupHeader is the first line of a backup.
type BackupHeader struct {
	Format        string    `json:"format"`
	Version       int       `json:"version"`
	SchemaVersion int       `json:"schema_version"`
	Prefix        string    `json:"prefix"`
	CreatedAt     time.Time `json:"created_at"`
}

// backupEntry is one key: its name after the prefix, its remaining TTL (0:
// none) and its DUMP payload (base64 in JSON).
type backupEntry struct {
	Key   string `json:"key"`
	TTLMS int64  `json:"ttl_ms,omitempty"`
	Dump  []byte `json:"dump"`
}

// BackupStats says what a backup or restore did.
type BackupStats struct {
	Keys int64 `json:"keys"`
	// Expired counts keys that vanished (or whose TTL ran out) between
	// listing and copying them: not an error.
	Expired  int64         `json:"expired"`
	Duration time.Duration `json:"-"`
}

// backupBatch is how many keys one pipelined round trip reads or writes.
const backupBatch = 500

// Backup writes every key under the store's prefix to w. It reads with
// SCAN (no blocking KEYS) and pipelines DUMP and PTTL; keys written while
// it runs may or may not be included, like any online logical backup.
func (s *Store) Backup(ctx context.Context, w io.Writer) (BackupStats, error) {
	start := time.Now()
	var st BackupStats
	schema, _ := s.Client.Get(ctx, s.Key("schema_version")).Int()
	zw := gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	if err := enc.Encode(BackupHeader{Format: BackupFormat, Version: BackupFormatVersion, SchemaVersion: schema,
		Prefix: s.prefix, CreatedAt: time.Now().UTC()}); err != nil {
		return st, err
	}
	iter := s.Client.Scan(ctx, 0, escapeGlob(s.prefix)+"*", backupBatch).Iterator()
	batch := make([]string, 0, backupBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		pipe := s.Client.Pipeline()
		dumps := make([]*redis.StringCmd, len(batch))
		ttls := make([]*redis.DurationCmd, len(batch))
		for i, k := range batch {
			dumps[i], ttls[i] = pipe.Dump(ctx, k), pipe.PTTL(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("read keys: %w", err)
		}
		for i, k := range batch {
			dump, err := dumps[i].Result()
			ttl := ttls[i].Val()
			if errors.Is(err, redis.Nil) || ttl == -2 || (ttl >= 0 && ttl < time.Millisecond) {
				st.Expired++
				continue
			}
			if err != nil {
				return fmt.Errorf("dump %s: %w", k, err)
			}
			e := backupEntry{Key: strings.TrimPrefix(k, s.prefix), Dump: []byte(dump)}
			if ttl > 0 {
				e.TTLMS = ttl.Milliseconds()
			}
			if err := enc.Encode(e); err != nil {
				return err
			}
			st.Keys++
		}
		batch = batch[:0]
		return nil
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == backupBatch {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return st, fmt.Errorf("scan keys: %w", err)
	}
	if err := flush(); err != nil {
		return st, err
	}
	if err := zw.Close(); err != nil {
		return st, err
	}
	st.Duration = time.Since(start)
	return st, nil
}

// escapeGlob escapes the glob characters of a literal SCAN prefix.
func escapeGlob(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return r.Replace(s)
}

// RestoreOptions control a restore.
type RestoreOptions struct {
	// Replace overwrites keys that exist; without it a restore into a
	// store holding any of the backup's keys fails (and writes nothing
	// more: keys restored before the clash stay).
	Replace bool
}

// ErrBackupFormat means the input is not a backup this binary reads.
var ErrBackupFormat = errors.New("not a riptide backup")

// Restore reads a backup written by Backup and writes its keys under
// this store's prefix (which may differ from the one backed up), with
// their remaining TTLs, pipelined. It refuses a backup of a newer schema
// than this binary's.
func (s *Store) Restore(ctx context.Context, r io.Reader, o RestoreOptions) (BackupHeader, BackupStats, error) {
	start := time.Now()
	var st BackupStats
	zr, err := gzip.NewReader(r)
	if err != nil {
		return BackupHeader{}, st, fmt.Errorf("%w: %v", ErrBackupFormat, err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(zr, 1<<20))
	var h BackupHeader
	if err := dec.Decode(&h); err != nil || h.Format != BackupFormat {
		return h, st, fmt.Errorf("%w: no header", ErrBackupFormat)
	}
	if h.Version > BackupFormatVersion {
		return h, st, fmt.Errorf("%w: format version %d, this binary reads up to %d", ErrBackupFormat, h.Version, BackupFormatVersion)
	}
	if h.SchemaVersion > SchemaVersion {
		return h, st, fmt.Errorf("%w: backup has schema version %d, this binary supports up to %d", ErrSchemaTooNew, h.SchemaVersion, SchemaVersion)
	}
	// A store in use has its own schema key: it is kept (lowered to the
	// backup's when that is older, see below), so restoring into a
	// running deployment does not clash on it.
	hasSchema, err := s.Client.Exists(ctx, s.Key("schema_version")).Result()
	if err != nil {
		return h, st, fmt.Errorf("read schema version: %w", err)
	}
	pipe := s.Client.Pipeline()
	var keys []string
	exec := func() error {
		if len(keys) == 0 {
			return nil
		}
		cmds, err := pipe.Exec(ctx)
		if err != nil {
			for i, c := range cmds {
				if c.Err() != nil {
					return fmt.Errorf("restore %s: %w", keys[i], c.Err())
				}
			}
			return fmt.Errorf("restore: %w", err)
		}
		st.Keys += int64(len(keys))
		keys = keys[:0]
		return nil
	}
	for {
		var e backupEntry
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return h, st, fmt.Errorf("%w: line %d: %v", ErrBackupFormat, st.Keys+int64(len(keys))+2, err)
		}
		if e.Key == "schema_version" && hasSchema > 0 {
			continue
		}
		ttl := time.Duration(e.TTLMS) * time.Millisecond
		key := s.Key(e.Key)
		if o.Replace {
			pipe.RestoreReplace(ctx, key, ttl, string(e.Dump))
		} else {
			pipe.Restore(ctx, key, ttl, string(e.Dump))
		}
		keys = append(keys, key)
		if len(keys) == backupBatch {
			if err := exec(); err != nil {
				return h, st, err
			}
		}
	}
	if err := exec(); err != nil {
		return h, st, err
	}
	if hasSchema > 0 {
		// The restored keys are in the backup's layout: when it is older
		// than the store's, record the older version so that EnsureSchema
		// (riptide restore runs it next) migrates them up; migrations are
		// idempotent over data already in the newer layout.
		backupVersion := max(h.SchemaVersion, baselineVersion)
		if v, _, err := s.SchemaVersionOf(ctx); err == nil && backupVersion < v {
			if err := s.Client.Set(ctx, s.Key("schema_version"), backupVersion, 0).Err(); err != nil {
				return h, st, fmt.Errorf("record schema version %d: %w", backupVersion, err)
			}
		}
	}
	st.Duration = time.Since(start)
	return h, st, nil
}
