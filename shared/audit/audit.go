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
	// Len returns the number of entries.
	Len(ctx context.Context) (int64, error)
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
	Checked  int64  `json:"checked"`
	OK       bool   `json:"ok"`
	Head     string `json:"head,omitempty"`
	BadSeq   int64  `json:"bad_seq,omitempty"` // the first entry that breaks the chain
	Problem  string `json:"problem,omitempty"`
	Position int64  `json:"position,omitempty"` // its 1-based position in the log
}

// Verify walks the whole log and proves the chain: each entry decodes,
// has the next sequence number, names the previous entry's hash, and its
// own hash matches its content. It stops at the first broken entry.
func Verify(ctx context.Context, log Log, batch int) (Result, error) {
	if batch <= 0 {
		batch = 500
	}
	res := Result{OK: true}
	prev, seq := Genesis, int64(0)
	for pos := int64(1); ; {
		rows, err := log.Range(ctx, pos, batch)
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
		if len(rows) < batch {
			res.Head = prev
			return res, nil
		}
	}
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
