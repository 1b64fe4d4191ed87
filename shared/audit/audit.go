// Package audit keeps a tamper-evident trail of state-changing calls and
// authentication failures: an append-only log whose every entry holds the
// hash of the one before it, so that changing, removing or reordering an
// entry breaks the chain at that entry. It is a pure engine: the Log port
// is implemented over Redis in shared/store, and batches are exported to a
// blob store (S3 with Object Lock in AWS) through the Sink port.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Entry is one audited event.
type Entry struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"` // "rtk_<id>", a bootstrap key fingerprint, or "" when unauthenticated
	Tenant    string    `json:"tenant,omitempty"`
	Action    string    `json:"action"` // operation id, or "auth.failure"
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	Reason    string    `json:"reason,omitempty"` // error type of a failure
	RequestID string    `json:"request_id,omitempty"`
	Remote    string    `json:"remote,omitempty"`
	Prev      string    `json:"prev"`
	Hash      string    `json:"hash"`
}

// Genesis is the Prev of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the SHA-256 of e's canonical JSON with Hash empty
// (encoding/json writes struct fields in declaration order, and times in
// RFC 3339 with nanoseconds, so the encoding is stable).
func ComputeHash(e Entry) string {
	e.Hash = ""
	b, _ := json.Marshal(e) // an Entry always encodes
	d := sha256.Sum256(b)
	return hex.EncodeToString(d[:])
}

// Seal links e after the entry (prevSeq, prevHash): it sets Seq, Prev and
// Hash. Adapters call it inside their atomic append.
func Seal(e Entry, prevSeq int64, prevHash string) Entry {
	if prevHash == "" {
		prevHash = Genesis
	}
	e.Seq = prevSeq + 1
	e.Prev = prevHash
	e.Time = e.Time.UTC()
	e.Hash = ComputeHash(e)
	return e
}

// Log is the append-only store of entries.
type Log interface {
	// Append seals e after the current head and stores it atomically
	// (concurrent appenders from many processes never fork the chain).
	Append(ctx context.Context, e Entry) (Entry, error)
	// Range returns up to n entries from sequence number from (1-based),
	// in order. Entries are returned as stored, even when they no longer
	// decode (a tampered entry is reported by Verify, not hidden).
	Range(ctx context.Context, from int64, n int) ([]Raw, error)
	// Len returns the number of entries ever appended (trimmed ones
	// included).
	Len(ctx context.Context) (int64, error)
	// Anchor returns where the stored log begins: the sequence number and
	// hash of the last entry trimmed away (0 and Genesis when none was).
	Anchor(ctx context.Context) (Anchor, error)
}

// Anchor is the last entry trimmed from the store after its export: the
// chain in the store continues from its hash. The entry itself is in the
// exported batch that ends at Seq.
type Anchor struct {
	Seq  int64
	Hash string
}

// Trimmer drops exported entries from the store.
type Trimmer interface {
	// TrimThrough removes every entry up to a.Seq and records a as the
	// new anchor, atomically; it refuses when the stored entry a.Seq does
	// not have hash a.Hash.
	TrimThrough(ctx context.Context, a Anchor) error
}

// Raw is one stored entry: its bytes, and its decoding when they decode.
type Raw struct {
	Data  []byte
	Entry Entry
	Err   error
}

// Decode decodes a stored entry strictly.
func Decode(data []byte) Raw {
	r := Raw{Data: data}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	r.Err = dec.Decode(&r.Entry)
	return r
}

// Result is the outcome of Verify.
type Result struct {
	Checked int64  `json:"checked"`
	OK      bool   `json:"ok"`
	Head    string `json:"head,omitempty"`
	// AnchorSeq and AnchorHash say where the walk started: after the
	// last trimmed entry (0: the log's beginning).
	AnchorSeq  int64  `json:"anchor_seq"`
	AnchorHash string `json:"anchor_hash"`
	BadSeq     int64  `json:"bad_seq,omitempty"` // the first entry that breaks the chain
	Problem    string `json:"problem,omitempty"`
	Position   int64  `json:"position,omitempty"` // its 1-based position in the whole log (trimmed entries counted)
}

// Verify walks the stored log from its anchor and proves the chain: each
// entry decodes, has the next sequence number, names the previous entry's
// hash, and its own hash matches its content. It stops at the first broken
// entry. Trimmed entries are proved by their export (the batch ending at
// the anchor holds the anchor's entry).
func Verify(ctx context.Context, log Log, batch int) (Result, error) {
	a, err := log.Anchor(ctx)
	if err != nil {
		return Result{}, err
	}
	return verifyFrom(ctx, log, a, 0, batch)
}

// verifyFrom proves the chain after a, up to sequence number through (0:
// to the end).
func verifyFrom(ctx context.Context, log Log, a Anchor, through int64, batch int) (Result, error) {
	if batch <= 0 {
		batch = 500
	}
	if a.Hash == "" {
		a.Hash = Genesis
	}
	res := Result{OK: true, AnchorSeq: a.Seq, AnchorHash: a.Hash}
	prev, seq := a.Hash, a.Seq
	for pos := a.Seq + 1; ; {
		n := batch
		if through > 0 {
			n = int(min(int64(batch), through-pos+1))
			if n <= 0 {
				res.Head = prev
				return res, nil
			}
		}
		rows, err := log.Range(ctx, pos, n)
		if err != nil {
			return Result{}, err
		}
		for _, r := range rows {
			if problem := check(r, seq, prev); problem != "" {
				res.OK, res.Problem, res.Position = false, problem, pos
				res.BadSeq = seq + 1
				return res, nil
			}
			prev, seq = r.Entry.Hash, r.Entry.Seq
			res.Checked++
			pos++
		}
		if len(rows) < n {
			res.Head = prev
			return res, nil
		}
	}
}

// Trim drops from the store the entries already exported (the cursor),
// after proving their chain from the current anchor: the last exported
// entry becomes the new anchor, so Verify still proves everything left.
// A broken chain is not trimmed (the store keeps the evidence); Trim
// then returns the Verify result and an error. It returns the new anchor.
func Trim(ctx context.Context, log Log, cur Cursor, t Trimmer, batch int) (Anchor, error) {
	a, err := log.Anchor(ctx)
	if err != nil {
		return Anchor{}, err
	}
	exported, err := cur.Exported(ctx)
	if err != nil {
		return Anchor{}, err
	}
	if exported <= a.Seq {
		return a, nil
	}
	res, err := verifyFrom(ctx, log, a, exported, batch)
	if err != nil {
		return a, err
	}
	if !res.OK {
		return a, fmt.Errorf("audit chain broken at entry seq %d (%s): exported entries are not trimmed", res.BadSeq, res.Problem)
	}
	if res.AnchorSeq+res.Checked != exported {
		return a, fmt.Errorf("audit trim: the store holds entries up to %d, the export cursor says %d", res.AnchorSeq+res.Checked, exported)
	}
	next := Anchor{Seq: exported, Hash: res.Head}
	if err := t.TrimThrough(ctx, next); err != nil {
		return a, err
	}
	return next, nil
}

func check(r Raw, prevSeq int64, prevHash string) string {
	switch {
	case r.Err != nil:
		return "entry does not decode: " + r.Err.Error()
	case r.Entry.Seq != prevSeq+1:
		return fmt.Sprintf("sequence %d follows %d (an entry was removed or inserted)", r.Entry.Seq, prevSeq)
	case r.Entry.Prev != prevHash:
		return "prev does not match the previous entry's hash (an entry before it was changed, removed or reordered)"
	case ComputeHash(r.Entry) != r.Entry.Hash:
		return "hash does not match the entry's content (the entry was changed)"
	}
	return ""
}

// Sink receives exported batches (blob.Store satisfies it).
type Sink interface {
	Put(ctx context.Context, key, contentType string, data []byte) error
}

// Cursor remembers how far the log was exported.
type Cursor interface {
	Exported(ctx context.Context) (int64, error)
	SetExported(ctx context.Context, seq int64) error
}

// BatchName is the blob key of the batch [from, to]: zero-padded so that
// a listing is in log order.
func BatchName(from, to int64) string {
	return fmt.Sprintf("audit/%012d-%012d.ndjson", from, to)
}

// Export writes every entry not yet exported to sink, in batches of at
// most batch entries, one NDJSON object per line exactly as stored, and
// advances the cursor after each batch. It returns the number exported.
func Export(ctx context.Context, log Log, cur Cursor, sink Sink, batch int) (int64, error) {
	if batch <= 0 {
		batch = 1000
	}
	done, err := cur.Exported(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	for {
		rows, err := log.Range(ctx, done+1, batch)
		if err != nil || len(rows) == 0 {
			return total, err
		}
		var b strings.Builder
		for _, r := range rows {
			b.Write(r.Data)
			b.WriteByte('\n')
		}
		from, to := done+1, done+int64(len(rows))
		if err := sink.Put(ctx, BatchName(from, to), "application/x-ndjson", []byte(b.String())); err != nil {
			return total, fmt.Errorf("export audit batch %d-%d: %w", from, to, err)
		}
		if err := cur.SetExported(ctx, to); err != nil {
			return total, err
		}
		done, total = to, total+int64(len(rows))
		if len(rows) < batch {
			return total, nil
		}
	}
}
