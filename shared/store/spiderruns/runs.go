// Package spiderruns is the spider's RunStore in Redis (docs/storage.md
// lists its keys): the Step Functions steps of a run, each in its own
// Lambda, and the local orchestrator of `riptide serve` (on the embedded
// miniredis by default) share a run through it. It lives apart from
// package store so that only the spider's functions link the spider
// engine.
package spiderruns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
)

// Runs implements spider.RunStore on a store's Redis. The budgets and the
// batch ownership are enforced by Lua scripts (scripts.go), one atomic
// call per claim or group of completions.
type Runs struct {
	s *store.Store
	// records numbers the record keys this process writes; with the
	// batch id in the key it makes them unique.
	records atomic.Uint64
	// blobs holds the largest result records when set (WithBlobRecords).
	blobs   blob.Store
	minBlob int
}

// New returns the spider run store of s.
func New(s *store.Store, opts ...Option) *Runs {
	r := &Runs{s: s}
	for _, o := range opts {
		o(r)
	}
	return r
}

var _ spider.RunStore = (*Runs)(nil)

// runKeys are the Redis keys of one run. The run id sits in a hash tag
// ({id}) so every key of a run maps to one Redis Cluster slot, as the Lua
// scripts that touch several of them require.
type runKeys struct {
	meta     string // hash: state, options, budgets and counters
	frontier string // sorted set: canonical URL -> priority (lowest first)
	info     string // hash: queued URL -> "depth referrer"
	seen     string // set: canonical URLs ever queued or skipped
	deep     string // set: URLs skipped for depth (counted once, may come back shallower)
	hashes   string // set: content hashes of crawled pages
	inflight string // hash: claimed URL -> "batch|reserved_bytes|score"
	results  string // list: result records (JSON), or a reference to a large one (records.go), in completion order
	base     string // prefix of the record keys: base + ":rec:<batch>:<n>" (string: one large record)
}

func (r *Runs) keys(id string) runKeys {
	base := r.s.Key("spider", "{"+id+"}")
	return runKeys{
		meta: base + ":meta", frontier: base + ":frontier", info: base + ":info", seen: base + ":seen",
		deep: base + ":deep", hashes: base + ":hashes", inflight: base + ":inflight", results: base + ":results", base: base,
	}
}

func (k runKeys) all() []string {
	return []string{k.meta, k.frontier, k.info, k.seen, k.deep, k.hashes, k.inflight, k.results}
}

// activeKey is the set of runs that should be progressing; the local
// orchestrator relaunches them after a restart.
func (r *Runs) activeKey() string { return r.s.Key("spider", "active") }

// ownerKey indexes an owner's runs (id -> created ms) for a tenant's
// export and deletion. Entries of expired runs are dropped when read.
func (r *Runs) ownerKey(owner string) string { return r.s.Key("spider", "owner", owner) }

// ownerIndexTTL outlives any run of the index: a run lives at most its
// max_duration_ms (7 days) plus time paused and its result_ttl_ms after
// the last write (30 days each). Each Create renews it.
const ownerIndexTTL = 70 * 24 * time.Hour

// Meta hash fields besides the counters named in the scripts.
const (
	seedHostField = "seed_host:" // + host a seed redirected to: "1"
	skipField     = "skip:"      // + reason: count
)

// Create implements spider.RunStore.
func (r *Runs) Create(ctx context.Context, n spider.NewRun) error {
	k := r.keys(n.ID)
	optJSON, err := json.Marshal(n.Options)
	if err != nil {
		return fmt.Errorf("encode options: %w", err)
	}
	seedJSON, err := json.Marshal(n.Seeds)
	if err != nil {
		return fmt.Errorf("encode seeds: %w", err)
	}
	created := n.Created.UnixMilli()
	pipe := r.s.Client.TxPipeline()
	pipe.HSet(ctx, k.meta, map[string]any{
		"state": spider.StateRunning, "owner": n.Owner, "billing": n.Billing, "gen": n.Gen, "options": string(optJSON), "seeds": string(seedJSON),
		"max_pages": n.MaxPages, "max_bytes": n.MaxBytes, "max_errors": n.MaxErrors,
		"ttl_ms": n.TTL.Milliseconds(), "created_ms": created, "updated_ms": created,
	})
	pipe.PExpire(ctx, k.meta, n.TTL)
	pipe.SAdd(ctx, r.activeKey(), n.ID)
	if n.Owner != "" {
		pipe.ZAdd(ctx, r.ownerKey(n.Owner), redis.Z{Score: float64(created), Member: n.ID})
		pipe.PExpire(ctx, r.ownerKey(n.Owner), ownerIndexTTL)
	}
	_, err = pipe.Exec(ctx)
	return err
}

// Load implements spider.RunStore.
func (r *Runs) Load(ctx context.Context, id string) (*spider.RunMeta, error) {
	k := r.keys(id)
	pipe := r.s.Client.Pipeline()
	mcmd := pipe.HGetAll(ctx, k.meta)
	qcmd := pipe.ZCard(ctx, k.frontier)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	h := mcmd.Val()
	if len(h) == 0 {
		return nil, nil
	}
	m, err := decodeRunMeta(h)
	if err != nil {
		return nil, err
	}
	m.Queued = qcmd.Val()
	return m, nil
}

func decodeRunMeta(h map[string]string) (*spider.RunMeta, error) {
	i64 := func(f string) int64 {
		v, _ := strconv.ParseInt(h[f], 10, 64)
		return v
	}
	ms := func(f string) time.Time {
		if v := i64(f); v > 0 {
			return time.UnixMilli(v).UTC()
		}
		return time.Time{}
	}
	m := &spider.RunMeta{
		State: h["state"], Owner: h["owner"], Billing: h["billing"], Gen: i64("gen"), Initialized: h["initialized"] == "1",
		MaxPages: int(i64("max_pages")), MaxBytes: i64("max_bytes"), MaxErrors: int(i64("max_errors")),
		Reserved: i64("reserved"), InFlight: i64("inflight"), ReservedBytes: i64("reserved_bytes"),
		Crawled: i64("crawled"), Failed: i64("failed"), Bytes: i64("bytes"), DupLinks: i64("dup_links"),
		CurrentDepth: int(i64("current_depth")), DepthMax: int(i64("depth_max")),
		StopReason: h["stop_reason"], WebhookError: h["webhook_error"],
		Created: ms("created_ms"), Started: ms("started_ms"), Finished: ms("finished_ms"), Updated: ms("updated_ms"),
		Deadline: ms("deadline_ms"), Skipped: map[string]int64{},
	}
	if err := json.Unmarshal([]byte(h["options"]), &m.Options); err != nil {
		return nil, fmt.Errorf("decode stored options: %w", err)
	}
	if err := json.Unmarshal([]byte(h["seeds"]), &m.Seeds); err != nil {
		return nil, fmt.Errorf("decode stored seeds: %w", err)
	}
	if le := h["last_error"]; le != "" {
		var info core.ErrorInfo
		if json.Unmarshal([]byte(le), &info) == nil {
			m.LastError = &info
		}
	}
	for f, v := range h {
		if reason, ok := strings.CutPrefix(f, skipField); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			m.Skipped[reason] = n
		} else if host, ok := strings.CutPrefix(f, seedHostField); ok {
			m.SeedHosts = append(m.SeedHosts, host)
		}
	}
	return m, nil
}

// pushChunk bounds the links of one push script call, so one call never
// holds Redis for long.
const pushChunk = 500

// Push implements spider.RunStore.
func (r *Runs) Push(ctx context.Context, id string, p spider.PushPolicy, links []spider.FoundLink) (int, error) {
	k := r.keys(id)
	keys := []string{k.meta, k.seen, k.deep, k.frontier, k.info}
	added := 0
	for len(links) > 0 {
		n := min(len(links), pushChunk)
		args := make([]any, 0, 3+3*n)
		args = append(args, direction(p), p.TTL.Milliseconds(), n)
		args = appendLinks(args, links[:n])
		got, err := spiderPush().Run(ctx, r.s.Client, keys, args...).Int()
		if err != nil {
			return added, err
		}
		added += got
		links = links[n:]
	}
	return added, nil
}

func direction(p spider.PushPolicy) int {
	if p.LIFO {
		return -1
	}
	return 1
}

// appendLinks adds links as the scripts' triples: url, base priority, tag.
func appendLinks(args []any, links []spider.FoundLink) []any {
	for _, l := range links {
		var tag string
		switch l.Kind {
		case spider.LinkQueue:
			tag = "q:" + formatInfo(l.Depth, l.Referrer)
		case spider.LinkTooDeep:
			tag = "d:"
		default:
			tag = "s:" + l.Reason
		}
		args = append(args, l.URL, strconv.FormatFloat(l.Priority, 'f', 0, 64), tag)
	}
	return args
}

// formatInfo encodes an info value "depth referrer".
func formatInfo(depth int, referrer string) string {
	if referrer == "" {
		return strconv.Itoa(depth)
	}
	return strconv.Itoa(depth) + " " + referrer
}

// parseInfo decodes an info value.
func parseInfo(v string) (depth int, referrer string) {
	d, ref, _ := strings.Cut(v, " ")
	depth, _ = strconv.Atoi(d)
	return depth, ref
}

// Takeover implements spider.RunStore.
func (r *Runs) Takeover(ctx context.Context, id, batch string) (int, error) {
	k := r.keys(id)
	return spiderTakeover().Run(ctx, r.s.Client, []string{k.meta, k.inflight, k.frontier}, batch).Int()
}

// Claim implements spider.RunStore.
func (r *Runs) Claim(ctx context.Context, id string, c spider.ClaimRequest) (spider.Claim, error) {
	k := r.keys(id)
	res, err := spiderClaim().Run(ctx, r.s.Client, []string{k.meta, k.frontier, k.info, k.inflight},
		c.Batch, c.Want, c.Now.UnixMilli(), c.PageBytes).StringSlice()
	if err != nil {
		return spider.Claim{}, err
	}
	if len(res) < 2 {
		return spider.Claim{}, errors.New("claim: short reply")
	}
	if res[0] != "ok" {
		return spider.Claim{Refused: res[0], Detail: res[1]}, nil
	}
	out := spider.Claim{URLs: make([]spider.ClaimedURL, 0, (len(res)-2)/3)}
	for i := 2; i+2 < len(res); i += 3 {
		depth, ref := parseInfo(res[i+1])
		b, _ := strconv.ParseInt(res[i+2], 10, 64)
		out.URLs = append(out.URLs, spider.ClaimedURL{URL: res[i], Depth: depth, Referrer: ref, MaxBytes: b})
	}
	return out, nil
}

// maxListedRecord is the largest result record kept in the results list
// itself; a larger one (a page with its document: tens of kilobytes) is
// SET in a string key of its own, from Go, and the list holds "@" + that
// key. Both halves matter, measured on Redis 7.0 (docs/benchmarks.md): a
// 64 KB argument costs an EVAL about 150 us before the script does
// anything (a 1-byte one under 1 us), and appending a 64 KB list element
// costs 350-900 us where SET of the same string costs 2-5 us. The spider
// stores one such record per page. With a blob store (WithBlobRecords) the
// records of MinBlobRecord bytes or more go there instead (records.go).
const maxListedRecord = 1 << 10

// recordTTLSlack is added to the run's TTL on a record key when it is
// written. The results list's TTL is renewed by every later write, a
// record key's is not: the slack (the longest a run may run) keeps early
// records alive while the run goes on, and Finish sets every record key
// to the run's final TTL.
const recordTTLSlack = 7 * 24 * time.Hour

var outcomeNames = [...]string{spider.OutcomeOK: "ok", spider.OutcomeFailed: "failed", spider.OutcomeSkip: "skip"}

// Complete implements spider.RunStore.
func (r *Runs) Complete(ctx context.Context, id, batch string, p spider.PushPolicy, outcomes []spider.Outcome) ([]spider.Recorded, error) {
	k := r.keys(id)
	keys := []string{k.meta, k.inflight, k.results, k.hashes, k.seen, k.deep, k.frontier, k.info}
	n := 4 + 10*len(outcomes)
	for _, o := range outcomes {
		n += 3 * len(o.Links)
	}
	// Large records first go to keys or an object of their own, and the
	// script lists their names: see maxListedRecord and MinBlobRecord.
	var refs []string
	var object string
	var objectData []byte
	inBlob := func(o spider.Outcome) bool { return r.blobs != nil && len(o.Result) >= r.minBlob }
	if slices.ContainsFunc(outcomes, inBlob) {
		object = r.blobBatchKey(id, batch)
		buf := objectBuffers.Get()
		objectData, refs = batchObject(*buf, object, outcomes, inBlob)
		defer func() {
			*buf = objectData
			objectBuffers.Put(buf)
		}()
	}
	if refs == nil {
		refs = make([]string, len(outcomes))
	}
	var sets redis.Pipeliner
	for i, o := range outcomes {
		if refs[i] == "" && len(o.Result) > maxListedRecord {
			if sets == nil {
				sets = r.s.Client.Pipeline()
			}
			key := k.base + ":rec:" + batch + ":" + strconv.FormatUint(r.records.Add(1), 10)
			sets.Set(ctx, key, o.Result, p.TTL+recordTTLSlack)
			refs[i] = redisRecordRef + key
		}
	}
	written := slices.DeleteFunc(slices.Clone(refs), func(ref string) bool { return ref == "" })
	if objectData != nil {
		// No content type: records are read back by the store only, and
		// the local folder store then creates one file, not two.
		if err := r.blobs.Put(ctx, object, "", objectData); err != nil {
			_ = r.dropRecords(ctx, written, nil)
			return nil, fmt.Errorf("store result records: %w", err)
		}
	}
	if sets != nil {
		if _, err := sets.Exec(ctx); err != nil {
			_ = r.dropRecords(ctx, written, nil)
			return nil, err
		}
	}
	args := make([]any, 0, n)
	args = append(args, batch, p.TTL.Milliseconds(), direction(p), len(outcomes))
	for i, o := range outcomes {
		var result any = o.Result
		if refs[i] != "" {
			result = refs[i]
		}
		var errJSON []byte
		if o.Error != nil {
			var err error
			if errJSON, err = json.Marshal(o.Error); err != nil {
				_ = r.dropRecords(ctx, written, nil)
				return nil, fmt.Errorf("encode error: %w", err)
			}
		}
		args = append(args, o.URL, outcomeNames[o.Kind], o.Reason, o.Bytes, o.ContentHash, result, o.Depth, errJSON, o.KnownDupLinks, len(o.Links))
		args = appendLinks(args, o.Links)
	}
	got, err := spiderComplete().Run(ctx, r.s.Client, keys, args...).Int64Slice()
	if err != nil {
		_ = r.dropRecords(ctx, written, nil)
		return nil, err
	}
	out := make([]spider.Recorded, len(got))
	var unused []string
	objectKept := false
	for i, v := range got {
		out[i] = spider.Recorded(v)
		stored := out[i] == spider.RecordStored
		switch {
		case objectData != nil && strings.HasPrefix(refs[i], batchRecordRef):
			objectKept = objectKept || stored
		case refs[i] != "" && !stored:
			unused = append(unused, refs[i]) // a stale or duplicate page's record key
		}
	}
	if objectData != nil && !objectKept {
		// Every record of the object was a stale or duplicate page's. An
		// object holding one listed record stays whole: the bytes of the
		// others go with it when the run is deleted or expires.
		unused = append(unused, blobRecordRef+object)
	}
	if len(unused) > 0 {
		// The outcome is recorded; a record left behind would only expire
		// later, so a failure here is not the caller's.
		_ = r.dropRecords(ctx, unused, nil)
	}
	return out, nil
}

// Transition implements spider.RunStore.
func (r *Runs) Transition(ctx context.Context, id, to string, now time.Time, from ...string) (string, error) {
	args := make([]any, 0, 2+len(from))
	args = append(args, to, now.UnixMilli())
	for _, f := range from {
		args = append(args, f)
	}
	got, err := spiderTransition().Run(ctx, r.s.Client, []string{r.keys(id).meta}, args...).Text()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return got, err
}

// Update implements spider.RunStore.
func (r *Runs) Update(ctx context.Context, id string, u spider.RunUpdate) error {
	var fields []any
	if !u.Started.IsZero() {
		fields = append(fields, "initialized", "1", "started_ms", u.Started.UnixMilli(), "deadline_ms", u.Deadline.UnixMilli())
	}
	if !u.Updated.IsZero() {
		fields = append(fields, "updated_ms", u.Updated.UnixMilli())
	}
	if u.SeedHost != "" {
		fields = append(fields, seedHostField+u.SeedHost, "1")
	}
	if u.WebhookError != "" {
		fields = append(fields, "webhook_error", u.WebhookError)
	}
	if len(fields) == 0 {
		return nil
	}
	return r.s.Client.HSet(ctx, r.keys(id).meta, fields...).Err()
}

// MarkWebhookSent implements spider.RunStore.
func (r *Runs) MarkWebhookSent(ctx context.Context, id string) (bool, error) {
	return r.s.Client.HSetNX(ctx, r.keys(id).meta, "webhook_sent", "1").Result()
}

// Finish implements spider.RunStore.
func (r *Runs) Finish(ctx context.Context, id string, end spider.RunEnd, ttl time.Duration) error {
	k := r.keys(id)
	at := end.At.UnixMilli()
	fields := []any{"state", end.State, "stop_reason", end.StopReason, "finished_ms", at, "updated_ms", at}
	if end.LastError != nil {
		le, err := json.Marshal(end.LastError)
		if err != nil {
			return fmt.Errorf("encode last error: %w", err)
		}
		fields = append(fields, "last_error", le)
	}
	pipe := r.s.Client.TxPipeline()
	pipe.HSet(ctx, k.meta, fields...)
	pipe.SRem(ctx, r.activeKey(), id)
	for _, key := range k.all() {
		pipe.PExpire(ctx, key, ttl)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	return r.eachRecordRef(ctx, k, func(refs []string) error {
		return r.expireRecordKeys(ctx, refs, func(p redis.Pipeliner, key string) { p.PExpire(ctx, key, ttl) })
	})
}

// Results implements spider.RunStore.
func (r *Runs) Results(ctx context.Context, id string, offset int64, limit int) (*spider.ResultRange, error) {
	k := r.keys(id)
	// LRANGE reads negative indexes from the end, and 0..-1 as everything.
	offset, limit = max(offset, 0), max(limit, 0)
	pipe := r.s.Client.Pipeline()
	scmd := pipe.HGet(ctx, k.meta, "state")
	lcmd := pipe.LLen(ctx, k.results)
	var rcmd *redis.StringSliceCmd
	if limit > 0 {
		rcmd = pipe.LRange(ctx, k.results, offset, offset+int64(limit)-1)
	}
	_, _ = pipe.Exec(ctx)
	if errors.Is(scmd.Err(), redis.Nil) {
		return nil, nil
	}
	cmds := []redis.Cmder{scmd, lcmd}
	if rcmd != nil {
		cmds = append(cmds, rcmd)
	}
	for _, c := range cmds {
		if c.Err() != nil {
			return nil, c.Err()
		}
	}
	rr := &spider.ResultRange{State: scmd.Val(), Total: lcmd.Val(), Records: [][]byte{}}
	if rcmd == nil {
		return rr, nil
	}
	entries := rcmd.Val()
	rr.Records = make([][]byte, len(entries))
	var keys []string
	var objects []blobSlice
	var keyAt, objectAt []int
	for i, e := range entries {
		if key, ok := strings.CutPrefix(e, redisRecordRef); ok {
			keys, keyAt = append(keys, key), append(keyAt, i)
		} else if s, ok, err := parseBlobRef(e); err != nil {
			return nil, fmt.Errorf("result record %d of run %s: %w", offset+int64(i), id, err)
		} else if ok {
			objects, objectAt = append(objects, s), append(objectAt, i)
		} else {
			rr.Records[i] = []byte(e)
		}
	}
	// Only a run that outlived its records (one paused past the record
	// keys' TTL slack, or past the blob store's expiry) finds one gone.
	expired := func(i int) error {
		return fmt.Errorf("result record %d of run %s has expired", offset+int64(i), id)
	}
	if len(keys) > 0 {
		vals, err := r.s.Client.MGet(ctx, keys...).Result()
		if err != nil {
			return nil, err
		}
		for j, v := range vals {
			s, ok := v.(string)
			if !ok {
				return nil, expired(keyAt[j])
			}
			rr.Records[keyAt[j]] = []byte(s)
		}
	}
	if len(objects) > 0 {
		if r.blobs == nil {
			return nil, fmt.Errorf("result records of run %s are in a blob store this process does not have", id)
		}
		missing, err := r.readBlobRecords(ctx, objects, objectAt, rr.Records)
		if err != nil {
			return nil, err
		}
		if missing >= 0 {
			return nil, expired(missing)
		}
	}
	return rr, nil
}

// Delete implements spider.RunStore.
func (r *Runs) Delete(ctx context.Context, id string) error {
	k := r.keys(id)
	owner, err := r.s.Client.HGet(ctx, k.meta, "owner").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	// Records of one object sit side by side in the list, but a chunk of
	// the walk may end between them: the object is deleted once.
	deleted := map[string]struct{}{}
	if err := r.eachRecordRef(ctx, k, func(refs []string) error { return r.dropRecords(ctx, refs, deleted) }); err != nil {
		return err
	}
	_, err = r.s.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, k.all()...)
		if owner != "" {
			p.ZRem(ctx, r.ownerKey(owner), id)
		}
		return nil
	})
	return err
}

// OwnedRuns implements spider.RunStore.
func (r *Runs) OwnedRuns(ctx context.Context, owner string) ([]string, error) {
	ids, err := r.s.Client.ZRange(ctx, r.ownerKey(owner), 0, -1).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	exists := make([]*redis.IntCmd, len(ids))
	if _, err := r.s.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			exists[i] = p.Exists(ctx, r.keys(id).meta)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var live []string
	var gone []any
	for i, id := range ids {
		if exists[i].Val() == 1 {
			live = append(live, id)
		} else {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		if err := r.s.Client.ZRem(ctx, r.ownerKey(owner), gone...).Err(); err != nil {
			return nil, err
		}
	}
	return live, nil
}

// ActiveRuns implements spider.RunStore.
func (r *Runs) ActiveRuns(ctx context.Context) ([]string, error) {
	return r.s.Client.SMembers(ctx, r.activeKey()).Result()
}

// SetActive implements spider.RunStore.
func (r *Runs) SetActive(ctx context.Context, id string, active bool) error {
	if active {
		return r.s.Client.SAdd(ctx, r.activeKey(), id).Err()
	}
	return r.s.Client.SRem(ctx, r.activeKey(), id).Err()
}
