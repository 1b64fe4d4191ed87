package spiderruns

import (
	"sync"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts of Runs. Each touches only the keys of one run,
// which share a Redis Cluster slot through the {id} hash tag, and runs
// atomically: that is what keeps a run's budgets exact while batches in
// several processes claim and record pages at once. Each is hashed
// (redis.NewScript) on first use, not at package init: a cold start of a
// function that never runs a spider does not pay for them.

// spiderPushLua enqueues links. Arguments from `start`, in triples: url,
// base priority, tag. Tag "q:<info>" enqueues the URL unless seen (score =
// base + dir*seq, so equal bases keep discovery order: FIFO for dir 1, LIFO
// for dir -1); "d:" counts a too-deep URL once without marking it seen (it
// may be found again nearer a seed); "s:<reason>" marks it seen and counts
// the skip reason once.
const spiderPushLua = `
local function push(meta, seen, deep, frontier, info, dir, ttl, args, start, n)
  local added, dups = 0, 0
  -- One counter update per call: link i gets sequence seq0 + i.
  local seq0 = redis.call('HINCRBY', meta, 'seq', n) - n
  for i = 0, n - 1 do
    local u = args[start + 3*i]
    local base = tonumber(args[start + 3*i + 1])
    local tag = args[start + 3*i + 2]
    local kind = string.sub(tag, 1, 1)
    local val = string.sub(tag, 3)
    if kind == 'q' then
      if redis.call('SADD', seen, u) == 1 then
        local seq = seq0 + i + 1
        redis.call('ZADD', frontier, string.format('%.0f', base + dir * seq), u)
        redis.call('HSET', info, u, val)
        added = added + 1
      else
        dups = dups + 1
      end
    elseif kind == 'd' then
      if redis.call('SADD', deep, u) == 1 then
        redis.call('HINCRBY', meta, 'skip:max_depth', 1)
      end
    else
      if redis.call('SADD', seen, u) == 1 then
        redis.call('HINCRBY', meta, 'skip:' .. val, 1)
      else
        dups = dups + 1
      end
    end
  end
  if dups > 0 then redis.call('HINCRBY', meta, 'dup_links', dups) end
  for _, k in ipairs({seen, deep, frontier, info}) do redis.call('PEXPIRE', k, ttl) end
  return added
end
`

// spiderPush: KEYS meta seen deep frontier info; ARGV dir ttl n triples...
var spiderPush = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(spiderPushLua + `
return push(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], tonumber(ARGV[1]), ARGV[2], ARGV, 4, tonumber(ARGV[3]))
`)
})

// spiderClaim pops up to ARGV[2] URLs for batch ARGV[1], reserving the
// budget for each before anyone crawls it: a page slot (reserved <=
// max_pages), an error slot (failed + in flight <= max_errors, so even if
// every page in flight fails the run stays within max_errors) and body
// bytes (min(page cap, bytes left), so max_bytes holds however large the
// pages are). Returns {"ok", "", url, info, bytes, ...} or {why, detail}:
// "state" (not running), "superseded" (another batch owns the run),
// "budget" (which one), "empty" (frontier empty).
//
// KEYS meta frontier info inflight; ARGV batch want now_ms page_bytes
var spiderClaim = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local meta = KEYS[1]
local st = redis.call('HGET', meta, 'state')
if st ~= 'running' then return {'state', st or ''} end
if redis.call('HGET', meta, 'batch') ~= ARGV[1] then return {'superseded', ''} end
local function num(f) return tonumber(redis.call('HGET', meta, f) or '0') or 0 end
local deadline = num('deadline_ms')
if deadline > 0 and tonumber(ARGV[3]) >= deadline then return {'budget', 'max_duration'} end
local want = tonumber(ARGV[2])
local maxp = num('max_pages')
if maxp > 0 then
  want = math.min(want, maxp - num('reserved'))
  if want <= 0 then return {'budget', 'max_pages'} end
end
local maxe = num('max_errors')
if maxe > 0 then
  want = math.min(want, maxe - num('failed') - num('inflight'))
  if want <= 0 then return {'budget', 'max_errors'} end
end
local maxb = num('max_bytes')
if maxb > 0 and maxb - num('reserved_bytes') <= 0 then return {'budget', 'max_bytes'} end
local popped = redis.call('ZPOPMIN', KEYS[2], want)
if #popped == 0 then return {'empty', ''} end
local out = {'ok', ''}
local perpage = tonumber(ARGV[4])
for i = 1, #popped, 2 do
  local u, score = popped[i], popped[i + 1]
  local b = perpage
  if maxb > 0 then b = math.min(perpage, maxb - num('reserved_bytes')) end
  if b <= 0 then
    redis.call('ZADD', KEYS[2], score, u)
  else
    redis.call('HINCRBY', meta, 'reserved_bytes', b)
    redis.call('HINCRBY', meta, 'reserved', 1)
    redis.call('HINCRBY', meta, 'inflight', 1)
    redis.call('HSET', KEYS[4], u, ARGV[1] .. '|' .. string.format('%d', b) .. '|' .. score)
    table.insert(out, u)
    table.insert(out, redis.call('HGET', KEYS[3], u) or '0')
    table.insert(out, string.format('%d', b))
  end
end
return out
`)
})

// spiderComplete records the outcomes of claimed URLs (several per call:
// pages finishing together are recorded in one round trip), each
// atomically with pushing its links. Per record it returns -1 when the
// claim is no longer this batch's (the URL was handed to a newer batch;
// the result is dropped, so no page is ever counted twice), 2 when the
// page was a duplicate by content, else 1. Outcomes: "ok" and "failed" add
// a result record and keep the page slot; "skip" releases the slot
// (robots, content type, cancelled at the deadline) and counts the reason
// if not empty.
//
// A result is the record itself (JSON) or a reference to where Complete
// put a large record before the call: "@" + a string key, or "%" + the
// blob object and the record's place in it (records.go; Runs.Complete
// says why).
//
// KEYS meta inflight results hashes seen deep frontier info
// ARGV batch ttl dir count, then per record: url outcome reason bytes hash
// result depth last_error known_dup_links nlinks, link triples...
var spiderComplete = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(spiderPushLua + `
local meta = KEYS[1]
local function complete1(batch, url, outcome, reason, bytesArg, hash, result, depthArg, lastErr, knownDups, ttl, dir, args, linkStart, nlinks)
  local v = redis.call('HGET', KEYS[2], url)
  if not v then return -1 end
  local p1 = string.find(v, '|', 1, true)
  if string.sub(v, 1, p1 - 1) ~= batch then return -1 end
  local p2 = string.find(v, '|', p1 + 1, true)
  local reservedBytes = tonumber(string.sub(v, p1 + 1, p2 - 1))
  redis.call('HDEL', KEYS[2], url)
  redis.call('HINCRBY', meta, 'inflight', -1)
  local bytes = tonumber(bytesArg)
  redis.call('HINCRBY', meta, 'reserved_bytes', string.format('%d', bytes - reservedBytes))
  redis.call('HINCRBY', meta, 'bytes', bytesArg)
  local ret = 1
  if outcome == 'ok' and hash ~= '' then
    if redis.call('SADD', KEYS[4], hash) == 0 then
      outcome, reason, ret = 'skip', 'duplicate_content', 2
    end
    redis.call('PEXPIRE', KEYS[4], ttl)
  end
  if outcome == 'skip' then
    redis.call('HINCRBY', meta, 'reserved', -1)
    if reason ~= '' then redis.call('HINCRBY', meta, 'skip:' .. reason, 1) end
    return ret
  end
  redis.call('RPUSH', KEYS[3], result)
  redis.call('PEXPIRE', KEYS[3], ttl)
  redis.call('HSET', meta, 'current_depth', depthArg)
  if tonumber(depthArg) > tonumber(redis.call('HGET', meta, 'depth_max') or '0') then
    redis.call('HSET', meta, 'depth_max', depthArg)
  end
  if outcome == 'failed' then
    redis.call('HINCRBY', meta, 'failed', 1)
    redis.call('HSET', meta, 'last_error', lastErr)
    return 1
  end
  redis.call('HINCRBY', meta, 'crawled', 1)
  if knownDups ~= '0' then redis.call('HINCRBY', meta, 'dup_links', knownDups) end
  if nlinks > 0 then
    push(meta, KEYS[5], KEYS[6], KEYS[7], KEYS[8], dir, ttl, args, linkStart, nlinks)
  end
  return 1
end
local ttl, dir, n = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local pos = 5
local out = {}
for r = 1, n do
  local nl = tonumber(ARGV[pos + 9])
  out[r] = complete1(ARGV[1], ARGV[pos], ARGV[pos + 1], ARGV[pos + 2], ARGV[pos + 3], ARGV[pos + 4], ARGV[pos + 5],
    ARGV[pos + 6], ARGV[pos + 7], ARGV[pos + 8], ttl, dir, ARGV, pos + 10, nl)
  pos = pos + 10 + 3 * nl
end
return out
`)
})

// spiderTakeover makes batch ARGV[1] the owner of the run and puts every
// URL still claimed by an earlier batch (one that crashed or timed out)
// back in the frontier with its budget released. Only one batch of a run
// works at a time, so anything in flight at this point is orphaned.
//
// KEYS meta inflight frontier; ARGV batch
var spiderTakeover = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local meta = KEYS[1]
redis.call('HSET', meta, 'batch', ARGV[1])
local all = redis.call('HGETALL', KEYS[2])
local n = 0
for i = 1, #all, 2 do
  local u, v = all[i], all[i + 1]
  local p1 = string.find(v, '|', 1, true)
  local p2 = string.find(v, '|', p1 + 1, true)
  local b = tonumber(string.sub(v, p1 + 1, p2 - 1))
  redis.call('ZADD', KEYS[3], string.sub(v, p2 + 1), u)
  redis.call('HINCRBY', meta, 'reserved', -1)
  redis.call('HINCRBY', meta, 'inflight', -1)
  redis.call('HINCRBY', meta, 'reserved_bytes', string.format('%d', -b))
  n = n + 1
end
redis.call('DEL', KEYS[2])
return n
`)
})

// spiderTransition moves the run's state from one of ARGV[2..] to ARGV[1]
// and returns the state it found (the caller learns whether it moved by
// comparing with the allowed list). Pausing records when; resuming moves
// the duration deadline by the time spent paused.
//
// KEYS meta; ARGV new now_ms allowed...
var spiderTransition = sync.OnceValue(func() *redis.Script {
	return redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return false end
for i = 3, #ARGV do
  if st == ARGV[i] then
    redis.call('HSET', KEYS[1], 'state', ARGV[1])
    if ARGV[1] == 'paused' then redis.call('HSET', KEYS[1], 'paused_ms', ARGV[2]) end
    if st == 'paused' and ARGV[1] == 'running' then
      local since = tonumber(redis.call('HGET', KEYS[1], 'paused_ms') or '0')
      local dl = tonumber(redis.call('HGET', KEYS[1], 'deadline_ms') or '0')
      if since > 0 and dl > 0 then
        redis.call('HSET', KEYS[1], 'deadline_ms', string.format('%d', dl + tonumber(ARGV[2]) - since))
      end
    end
    return st
  end
end
return st
`)
})
