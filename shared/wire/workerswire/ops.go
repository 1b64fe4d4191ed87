package workerswire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/riptidecrawler/riptide/shared/audit"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Task names of the worker's operations (infra/cdk/backups.go sends them).
const (
	TaskBackup      = "backup"
	TaskMigrate     = "migrate"
	TaskAuditExport = "audit_export"
)

// AuditExportBatch is how many audit entries go in one exported object.
const AuditExportBatch = 1000

// AuditExportResult is what the audit export task returns (and logs).
type AuditExportResult struct {
	Exported int64 `json:"exported"`
	// AnchorSeq is the seq of the last entry trimmed from Redis: the chain
	// kept there starts after it (0: nothing trimmed yet).
	AnchorSeq int64 `json:"anchor_seq"`
}

// exportAudit writes the audit entries not yet exported to the audit
// bucket (Object Lock), then trims them from Redis, as `riptide audit
// export` does: in AWS nothing else can reach the store inside the VPC.
func exportAudit(ctx context.Context, p *wire.Process) (AuditExportResult, error) {
	sink, err := p.AuditSink(ctx)
	if err != nil {
		return AuditExportResult{}, err
	}
	log := p.AuditLog()
	n, err := audit.Export(ctx, log, log, sink, AuditExportBatch)
	if err != nil {
		return AuditExportResult{}, fmt.Errorf("audit export: %w", err)
	}
	a, err := audit.Trim(ctx, log, log, log, AuditExportBatch)
	if err != nil {
		return AuditExportResult{Exported: n}, fmt.Errorf("audit exported, not trimmed: %w", err)
	}
	res := AuditExportResult{Exported: n, AnchorSeq: a.Seq}
	p.Logger.InfoContext(ctx, "audit exported", slog.Int64("exported", n), slog.Int64("anchor_seq", a.Seq))
	return res, nil
}

// BackupContentType is the backup object's media type (gzip of NDJSON).
const BackupContentType = "application/gzip"

// Backup writes the store's logical backup (store.Backup) to a blob store:
// in AWS the backup bucket, one object per run under a dated key.
type Backup struct {
	Store    *store.Store
	Blob     blob.Store
	Recorder monitor.Recorder
	Logger   *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// BackupResult is what the backup task returns (and logs).
type BackupResult struct {
	Key           string `json:"key"`
	Keys          int64  `json:"keys"`
	Expired       int64  `json:"expired"`
	Bytes         int    `json:"bytes"`
	SchemaVersion int    `json:"schema_version"`
	DurationMS    int64  `json:"duration_ms"`
}

// BackupKey is the object key of a backup taken at t:
// 2026/12/01/riptide-backup-20261201T033000Z.ndjson.gz (the name `riptide
// backup` gives its file, under the day, so listings sort by time).
func BackupKey(t time.Time) string {
	t = t.UTC()
	return t.Format("2006/01/02/") + "riptide-backup-" + t.Format("20060102T150405Z") + ".ndjson.gz"
}

// Run takes one backup. The backup is held in memory (gzip, ~10-20 % of
// the data) before the upload: the blob port stores whole objects.
func (b Backup) Run(ctx context.Context) (BackupResult, error) {
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	start := now()
	var buf bytes.Buffer
	st, err := b.Store.Backup(ctx, &buf)
	if err != nil {
		return BackupResult{}, fmt.Errorf("backup: %w", err)
	}
	res := BackupResult{Key: BackupKey(start), Keys: st.Keys, Expired: st.Expired, Bytes: buf.Len()}
	res.SchemaVersion, _, _ = b.Store.SchemaVersionOf(ctx)
	if err := b.Blob.Put(ctx, res.Key, BackupContentType, buf.Bytes()); err != nil {
		return BackupResult{}, fmt.Errorf("upload backup: %w", err)
	}
	res.DurationMS = now().Sub(start).Milliseconds()
	// The BackupCompleted metric the backup-missing alarm waits for.
	if b.Recorder != nil {
		b.Recorder.RecordBackup(st.Keys)
	}
	b.log().InfoContext(ctx, "backup completed", slog.String("key", res.Key), slog.Int64("keys", res.Keys),
		slog.Int64("expired", res.Expired), slog.Int("bytes", res.Bytes), slog.Int("schema_version", res.SchemaVersion),
		slog.Int64("duration_ms", res.DurationMS))
	return res, nil
}

func (b Backup) log() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}

// Migration runs the store's migrations for CloudFormation's
// Custom::RiptideMigration (infra/cdk/backups.go) on every deploy that
// changes the worker.
type Migration struct {
	Store  *store.Store
	Logger *slog.Logger
}

// Run is a lambdaio.CustomResourceFunc: Create and Update bring the store
// to this binary's schema version (waiting for a runner that holds the
// lock until shortly before the deadline); Delete does nothing, since
// deleting the stack must not migrate data down.
func (m Migration) Run(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
	physical := "riptide-schema:" + m.Store.Prefix()
	if ev.RequestType == cfn.RequestDelete {
		return ev.PhysicalResourceID, nil, nil
	}
	wait := store.EnsureSchemaWait
	if dl, ok := ctx.Deadline(); ok {
		wait = max(time.Until(dl), 0)
	}
	res, err := m.Store.Migrate(ctx, store.MigrateOptions{Wait: wait, Logger: m.Logger})
	if errors.Is(err, store.ErrSchemaTooNew) {
		// A stack rollback runs Update with the previous version while
		// the store keeps the newer layout: migrations run on deploy are
		// expand-only (docs/runbooks/rollback.md), so the older code reads
		// it. Failing here would leave the stack in UPDATE_ROLLBACK_FAILED.
		m.log().WarnContext(ctx, "store schema is newer than this version; leaving it (expand-only migrations)",
			slog.Int("store_version", res.To), slog.Int("binary_version", store.SchemaVersion))
		return physical, map[string]any{"SchemaVersion": res.To, "BinarySchemaVersion": store.SchemaVersion}, nil
	}
	if err != nil {
		return physical, nil, err
	}
	return physical, map[string]any{"SchemaVersion": res.To, "BinarySchemaVersion": store.SchemaVersion, "Steps": len(res.Steps)}, nil
}

func (m Migration) log() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// opsTasks are the worker's operation task events.
func opsTasks(p *wire.Process) lambdaio.Tasks {
	return lambdaio.Tasks{
		TaskBackup: func(ctx context.Context, _ json.RawMessage) (any, error) {
			if p.Store.Embedded() {
				// miniredis cannot DUMP hashes, lists or sets, and holds
				// nothing a Lambda instance would need to keep.
				return nil, errors.New("backup task: REDIS_URL is not set: the embedded store is not backed up")
			}
			bs, err := backupBlob(ctx, p)
			if err != nil {
				return nil, err
			}
			return Backup{Store: p.Store, Blob: bs, Recorder: p.Recorder, Logger: p.Logger}.Run(ctx)
		},
		TaskMigrate: lambdaio.CustomResource{Run: Migration{Store: p.Store, Logger: p.Logger}.Run, Logger: p.Logger}.Handle,
		TaskAuditExport: func(ctx context.Context, _ json.RawMessage) (any, error) {
			return exportAudit(ctx, p)
		},
	}
}

// backupBlob is where the backup task writes: the backup bucket, else
// backups/ in the blob folder (a local or `sam local` run). With neither it
// refuses: a backup kept in process memory would be a backup in name only.
func backupBlob(ctx context.Context, p *wire.Process) (blob.Store, error) {
	switch {
	case p.Config.BackupBucket != "":
		return p.BucketBlob(ctx, p.Config.BackupBucket)
	case p.Config.BlobDir != "":
		d, err := blob.NewDir(p.Config.BlobDir)
		if err != nil {
			return nil, err
		}
		return blob.WithPrefix(d, "backups/"), nil
	}
	return nil, errors.New("backup task: RIPTIDE_BACKUP_BUCKET is not set (CDK sets it on the workers function; locally set RIPTIDE_BLOB_DIR or use `riptide backup`)")
}
