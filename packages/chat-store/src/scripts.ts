import { defineLuaScript } from './connection.js';

/**
 * The store's Lua scripts. Each store operation is one of them: one round trip, atomic, and
 * on one hash slot (every key it touches shares a `{channel}` or `{player}` tag). Time always
 * comes from `redis.call('TIME')`, so ids, trimming and rate limits agree on one clock.
 */

/** What every script uses: Redis' clock, number formatting, TTLs, message id counters. */
const HELPERS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function fmt(n)
  return string.format('%.0f', n)
end

-- A hash whose fields live for different times (a profile, a mute, admissions) lives as long as
-- its longest field needs: its field \`x\` holds the expiry last set, and a write pushes the TTL
-- out only when it falls short of \`need\`, to \`target\` (room for the writes after it), not
-- on every write. Adds the new \`x\` to \`writes\`; → the new expiry, to set once the hash exists.
local function outlive(x, need, target, writes)
  if (tonumber(x) or 0) >= need then return nil end
  writes[#writes + 1] = 'x'
  writes[#writes + 1] = fmt(target)
  return target
end

local function seq_of(id)
  return tonumber(string.match(id, '%-(%d+)$'))
end
`;

/** The rate limits' ring (ADMIT, APPEND, POST). */
const RING_HELPERS = `
-- Rate limits count a message in the second IoT received it (the rule's timestamp()), not when
-- the filter gets to it: messages held up by an outage and then handled together are charged
-- where they were sent. A ring of RING one-second slots, two fields of the limit's hash: \`rg\`,
-- RING big-endian counts by second % RING in one string (read with string.byte and changed by
-- splicing: a field per slot cost more than the rest of the message), and \`rs\`, the newest
-- second it covers; a slot outside (rs - RING, rs] counts nothing. A message in slot s passes
-- when every run of k slots around s holds at most cap = max(1, burst, rate) + rate * (k - 1)
-- messages with it: a token bucket over whole seconds that gives the same answer whatever order
-- delayed messages are handled in. A message older than the ring counts in its oldest slot, one
-- from the future (clock skew) in the current one.
local RING = 64
local ZEROS = string.rep('\\0', 3 * RING)

-- Bytes per slot: the fewest that hold cap, the most one slot can count. A ring of up to 255 a
-- second is 64 bytes, so its hash keeps Redis' compact encoding (values up to 64 bytes). A
-- ring of another width (the limit was raised past a boundary) starts afresh.
local function slot_width(cap)
  if cap <= 255 then return 1 end
  if cap <= 65535 then return 2 end
  return 3
end

-- The ring with \`count\` slots from slot index \`from\` on (wrapping) set to zero.
local function ring_clear(blob, width, from, count)
  local size = RING * width
  local a, n = from * width, count * width
  if a + n <= size then
    return string.sub(blob, 1, a) .. string.sub(ZEROS, 1, n) .. string.sub(blob, a + n + 1)
  end
  local wrap = a + n - size
  return string.sub(ZEROS, 1, wrap) .. string.sub(blob, wrap + 1, a)
    .. string.sub(ZEROS, 1, size - a)
end

local function slot_count(blob, width, o)
  if width == 1 then return string.byte(blob, o + 1) end
  local b1, b2, b3 = string.byte(blob, o + 1, o + width)
  if width == 2 then return b1 * 256 + b2 end
  return (b1 * 256 + b2) * 256 + b3
end

local function slot_bytes(count, width)
  if width == 1 then return string.char(count) end
  if width == 2 then return string.char(math.floor(count / 256), count % 256) end
  return string.char(math.floor(count / 65536), math.floor(count / 256) % 256, count % 256)
end

-- Counts a message received at \`received\` in the ring (blob, newest: the fields' values) when
-- it passes. This runs for every message, twice, so it visits only the slots with messages and
-- makes no table. → 0 and the ring's fields to write, or the milliseconds until a message
-- received now would pass.
local function ring_take(blob, newest, now, received, burst, rate)
  local current = math.floor(now / 1000)
  local first = current - RING + 1
  local cap = math.max(1, burst, rate)
  local width = slot_width(cap)
  newest = tonumber(newest)
  if not blob or #blob ~= RING * width or not newest then
    blob, newest = string.sub(ZEROS, 1, RING * width), first - 1
  end
  local at = math.min(RING - 1, math.max(0, math.floor(received / 1000) - first))
  -- With prefix(j) the messages in slots 0..j-1, the run j..i (j <= at <= i) holds prefix(i + 1)
  -- - prefix(j): the message passes when cap + min(rate * i - prefix(i + 1)) + min(prefix(j) -
  -- rate * j) >= 1. Between slots with messages prefix is flat, so the first minimum is at i = at
  -- or at such a slot, the second at j = at or at such a slot; min_all, the second over every
  -- j (j = 63 or such a slot), gives the wait.
  local total, before_at, at_count, last_count = 0, 0, 0, 0
  local min_end, min_start, min_all = math.huge, math.huge, math.huge
  for i = math.max(0, newest - RING + 1 - first), math.min(RING - 1, newest - first) do
    local count = slot_count(blob, width, ((first + i) % RING) * width)
    if count > 0 then
      local start = total - rate * i
      if start < min_all then min_all = start end
      if i <= at and start < min_start then min_start = start end
      if i < at then before_at = before_at + count end
      if i == at then at_count = count end
      if i == RING - 1 then last_count = count end
      total = total + count
      if i >= at and rate * i - total < min_end then min_end = rate * i - total end
    end
  end
  min_start = math.min(min_start, before_at - rate * at)
  min_end = math.min(min_end, rate * at - before_at - at_count)
  min_all = math.min(min_all, total - last_count - rate * (RING - 1))
  if cap + min_end + min_start >= 1 then
    -- Slots of the seconds after the newest one written hold counts from a lap ago.
    if current > newest then
      blob = ring_clear(blob, width, (newest + 1) % RING, math.min(RING, current - newest))
      newest = current
    end
    local o = ((first + at) % RING) * width
    blob = string.sub(blob, 1, o) .. slot_bytes(at_count + 1, width)
      .. string.sub(blob, o + width + 1)
    return 0, {'rg', blob, 'rs', fmt(newest)}
  end
  -- A message received later, in empty slot a >= RING - 1, passes once
  -- cap + rate * a - prefix(RING) + min_all >= 1.
  local a = math.max(RING - 1, math.ceil((1 - cap + total - min_all) / rate))
  return math.max(1, (first + a) * 1000 - now)
end
`;

/** Generation hashes: de-duplication in APPEND, slow mode's last posts. */
const GENERATION_HELPERS = `
-- Two hashes take turns by time generation (window-long): an entry lives between one and
-- two windows, and a hash is dropped whole when its turn comes round again, so a busy key
-- never accumulates stale fields.
local function gen_order(k0, k1, g)
  if g % 2 == 0 then return k0, k1 end
  return k1, k0
end

-- The value of the first of the fields that generation g's hash holds, else g - 1's, else
-- false: one HMGET per hash read, whatever the number of fields. The fields given together
-- are written together, with one value, so any one of them answers.
local function gen_lookup(k0, k1, g, fields)
  local current, previous = gen_order(k0, k1, g)
  for _, hash in ipairs({{current, g}, {previous, g - 1}}) do
    local values = redis.call('HMGET', hash[1], '_g', unpack(fields))
    if values[1] == fmt(hash[2]) then
      for i = 2, #fields + 1 do
        if values[i] then return values[i] end
      end
    end
  end
  return false
end

-- Writes field/value pairs into generation g's hash, in one HSET.
local function gen_set(k0, k1, g, window, entries)
  local current = gen_order(k0, k1, g)
  if redis.call('HGET', current, '_g') ~= fmt(g) then
    redis.call('UNLINK', current)
    redis.call('HSET', current, '_g', fmt(g))
  end
  redis.call('HSET', current, unpack(entries))
  redis.call('PEXPIRE', current, 2 * window)
end
`;

/**
 * The player's hash (`pl:{id}`), one per player: profile (`name`, `role`, `pu` until when),
 * mute (`mu` until, `mr` reason, `mb` by), the rate ring (`rg`, `rs`), admissions
 * (`e:{ingestId}` and `r:{resendKey}` → "at key whisperId messageId", `-` for none;
 * `p:{key}` → at, while in progress), `x` (expiry, see outlive) and `sw` (next sweep).
 * Each admission is an idempotency record: found by its rule event or by a resend of the same
 * message (target and clientMsgId), keyed by the first event's ingestId, and marked in progress
 * until the filter completes it (`HDEL p:{key}`). A record found is not charged again. Records
 * older than the de-duplication window are swept once per window, by the write that finds the
 * sweep due.
 */
const PLAYER_HELPERS = `
-- ARGV[1..7]: ingestId, burst, perSecond, dedupeWindowMs, receivedAt or '' (now),
-- resendKey or '', whisperId or ''.
local function admission_args(now)
  return {ingest = ARGV[1], burst = tonumber(ARGV[2]), rate = tonumber(ARGV[3]),
    window = tonumber(ARGV[4]), received = tonumber(ARGV[5]) or now, resend = ARGV[6],
    whisper = ARGV[7]}
end

-- One HMGET: profile, mute, the records of this event and message, and the rate ring.
local function player_read(key, now, a)
  local v = redis.call('HMGET', key, 'x', 'sw', 'name', 'role', 'pu', 'mu', 'mr', 'rg', 'rs',
    'e:' .. a.ingest, 'p:' .. a.ingest, 'r:' .. a.resend)
  local profiled = (tonumber(v[5]) or 0) > now
  return {key = key, now = now, x = v[1], sw = v[2], name = profiled and v[3],
    role = profiled and v[4], mute_until = tonumber(v[6]), mute_reason = v[7],
    ring = {v[8], v[9]}, record = v[10] or v[12], own_mark = v[11]}
end

-- → {refusal = reply}, or the admission: status, key, whisper ('' for none), at, id (the message
-- an earlier try stored, or false).
local function player_admit(p, a)
  local at, key, whisper, id
  if p.record then at, key, whisper, id = string.match(p.record, '^(%d+) (%S+) (%S+) (%S+)$') end
  -- A record older than the window is forgotten, swept or not.
  if at and tonumber(at) >= p.now - a.window then
    local marked
    if key == a.ingest then
      marked = p.own_mark
    else
      marked = redis.call('HEXISTS', p.key, 'p:' .. key) == 1
    end
    if not marked then return {refusal = {'completed'}} end
    return {status = 'in-progress', key = key, whisper = whisper == '-' and '' or whisper,
      at = at, id = id ~= '-' and id, writes = {}}
  end
  if p.mute_until and p.mute_until > p.now then
    return {refusal = {'muted', fmt(p.mute_until), p.mute_reason}}
  end
  local wait, writes = ring_take(p.ring[1], p.ring[2], p.now, a.received, a.burst, a.rate)
  if wait > 0 then return {refusal = {'rate_limited', wait}} end
  writes[#writes + 1] = 'p:' .. a.ingest
  writes[#writes + 1] = fmt(p.now)
  return {status = 'admitted', key = a.ingest, whisper = a.whisper, at = fmt(p.now), id = false,
    writes = writes}
end

-- Drops the records and marks older than the window, once per window.
local function player_sweep(p, window, writes)
  local due = tonumber(p.sw)
  if due and due > p.now then return end
  if due then
    local stale = {}
    local all = redis.call('HGETALL', p.key)
    for i = 1, #all, 2 do
      local kind = string.sub(all[i], 1, 2)
      if (kind == 'e:' or kind == 'r:' or kind == 'p:')
        and (tonumber(string.match(all[i + 1], '^%d+')) or 0) < p.now - window then
        stale[#stale + 1] = all[i]
      end
    end
    -- unpack takes a few thousand values at most.
    for i = 1, #stale, 1000 do
      redis.call('HDEL', p.key, unpack(stale, i, math.min(#stale, i + 999)))
    end
  end
  writes[#writes + 1] = 'sw'
  writes[#writes + 1] = fmt(p.now + window)
end

-- Writes the admission in one HSET: when just admitted, its rate slot, mark and records; once
-- its message is stored, the records again with the message's id.
local function player_commit(p, a, adm, id)
  local writes = adm.writes
  if adm.status == 'admitted' or id then
    local whisper = adm.whisper == '' and '-' or adm.whisper
    local record = adm.at .. ' ' .. adm.key .. ' ' .. whisper .. ' ' .. (id or '-')
    writes[#writes + 1] = 'e:' .. a.ingest
    writes[#writes + 1] = record
    if a.resend ~= '' then
      writes[#writes + 1] = 'r:' .. a.resend
      writes[#writes + 1] = record
    end
  end
  local expire
  if adm.status == 'admitted' then
    player_sweep(p, a.window, writes)
    local keep = math.max(a.window, RING * 1000)
    expire = outlive(p.x, p.now + keep, p.now + 2 * keep, writes)
  end
  if #writes == 0 then return end
  redis.call('HSET', p.key, unpack(writes))
  if expire then redis.call('PEXPIREAT', p.key, fmt(expire)) end
end
`;

/**
 * A channel's keys: `log` (the stream), `meta` (`n` counter, `since`, `last` newest id's ms,
 * `u` next upkeep, and the channel rate ring `rg`, `rs`), `slow` (slow mode seconds) and two
 * generation hashes of each sender's last post under slow mode.
 */
const CHANNEL_HELPERS = `
-- ARGV[from..from + 5]: windowMs, max, channelRatePerSecond (0 = none), metaTtlMs, receivedAt or
-- '' (now), slow mode sender or '' (exempt).
local function channel_args(from, now)
  return {window = tonumber(ARGV[from]), max = ARGV[from + 1],
    rate = tonumber(ARGV[from + 2]), meta_ttl = tonumber(ARGV[from + 3]),
    received = tonumber(ARGV[from + 4]) or now, slow_sender = ARGV[from + 5]}
end

local function channel_read(k, now)
  return {values = redis.call('HMGET', k.meta, 'n', 'since', 'last', 'u', 'rg', 'rs'),
    slow = tonumber(redis.call('GET', k.slow)) or 0}
end

-- Slow mode (one message per sender per interval, by receipt time), then the channel's rate
-- limit. → a refusal, or nil and what storing must write.
local function channel_check(k, c, now, o)
  local decision = {meta = {}}
  if c.slow > 0 and o.slow_sender ~= '' then
    local interval = c.slow * 1000
    local field = 'p:' .. o.slow_sender
    local last = gen_lookup(k.slowpost0, k.slowpost1, math.floor(now / interval), {field})
    if last and o.received - tonumber(last) < interval then
      return {'slow_mode', fmt(math.max(1, tonumber(last) + interval - now)), fmt(c.slow)}
    end
    decision.slow_post = {field, interval}
  end
  if o.rate > 0 then
    local wait, writes = ring_take(c.values[5], c.values[6], now, o.received, o.rate, o.rate)
    if wait > 0 then return {'rate_limited', wait} end
    decision.meta = writes
  end
  return nil, decision
end

-- Stores ARGV[entry_from..] as the channel's next message. Trimming by time and pushing the
-- TTLs out are upkeep, done once per interval rather than per message (reads leave out what is
-- past the window or the cap anyway); the count cap is XADD's own approximate trim.
-- → the message's id
local function channel_store(k, c, now, o, decision, entry_from)
  local v = c.values
  local n = (tonumber(v[1]) or 0) + 1
  local ms = math.max(now, tonumber(v[3]) or 0)
  local counter, last = fmt(n), fmt(ms)
  local id = last .. '-' .. counter
  redis.call('XADD', k.log, 'MAXLEN', '~', o.max, id, unpack(ARGV, entry_from))
  local writes = decision.meta
  writes[#writes + 1] = 'n'
  writes[#writes + 1] = counter
  writes[#writes + 1] = 'last'
  writes[#writes + 1] = last
  if not v[2] then
    writes[#writes + 1] = 'since'
    writes[#writes + 1] = fmt(now)
  end
  local due = tonumber(v[4])
  local every = math.max(1000, math.min(60000, math.floor(o.window / 10)))
  local upkeep = not due or due <= now
  if upkeep then
    writes[#writes + 1] = 'u'
    writes[#writes + 1] = fmt(now + every)
    if v[1] then redis.call('XTRIM', k.log, 'MINID', '~', fmt(now - o.window)) end
  end
  redis.call('HSET', k.meta, unpack(writes))
  if upkeep then
    -- Until the next upkeep at the latest: then both outlive every message stored before it.
    redis.call('PEXPIREAT', k.log, fmt(now + o.window + every))
    redis.call('PEXPIREAT', k.meta, fmt(now + o.meta_ttl + every))
  end
  if decision.slow_post then
    local field, interval = decision.slow_post[1], decision.slow_post[2]
    gen_set(k.slowpost0, k.slowpost1, math.floor(now / interval), interval,
      {field, fmt(o.received)})
  end
  return id
end
`;

/**
 * KEYS: player. ARGV: see admission_args.
 * → {'admitted' | 'in-progress', name, role, key, whisper id or ''} | {'completed'}
 *   | {'muted', until, reason} | {'rate_limited', retryAfterMs}
 */
export const ADMIT = defineLuaScript(`${HELPERS}${RING_HELPERS}${PLAYER_HELPERS}
local now = now_ms()
local a = admission_args(now)
local p = player_read(KEYS[1], now, a)
local adm = player_admit(p, a)
if adm.refusal then return adm.refusal end
player_commit(p, a, adm, false)
return {adm.status, p.name, p.role, adm.key, adm.whisper}
`);

/**
 * KEYS: log, dedupe:0, dedupe:1, meta, slow, slowpost:0, slowpost:1.
 * ARGV: see channel_args (1..6), then senderField or '', ingestField or '', dedupeWindowMs, then
 * the stream entry's field/value pairs.
 * → {'stored', id} | {'duplicate', id, fields or false} | {'rate_limited', retryAfterMs}
 *   | {'slow_mode', retryAfterMs, seconds}
 */
export const APPEND =
  defineLuaScript(`${HELPERS}${RING_HELPERS}${GENERATION_HELPERS}${CHANNEL_HELPERS}
local now = now_ms()
local k = {log = KEYS[1], meta = KEYS[4], slow = KEYS[5], slowpost0 = KEYS[6],
  slowpost1 = KEYS[7]}
local o = channel_args(1, now)
local dedupe_window = tonumber(ARGV[9])
local g = math.floor(now / dedupe_window)
local dedupe = {}
if ARGV[7] ~= '' then dedupe[#dedupe + 1] = ARGV[7] end
if ARGV[8] ~= '' then dedupe[#dedupe + 1] = ARGV[8] end
if #dedupe > 0 then
  local id = gen_lookup(KEYS[2], KEYS[3], g, dedupe)
  if id then
    local entry = redis.call('XRANGE', k.log, id, id)
    return {'duplicate', id, entry[1] and entry[1][2] or false}
  end
end
local c = channel_read(k, now)
local refusal, decision = channel_check(k, c, now, o)
if refusal then return refusal end
local id = channel_store(k, c, now, o, decision, 10)
if #dedupe > 0 then
  local entries = {}
  for _, field in ipairs(dedupe) do
    entries[#entries + 1] = field
    entries[#entries + 1] = id
  end
  gen_set(KEYS[2], KEYS[3], g, dedupe_window, entries)
end
return {'stored', id}
`);

/**
 * A player's message to a channel in one script, when one node holds both slots (no cluster):
 * ADMIT, then APPEND without the channel's de-duplication hashes, since the admission record
 * keeps the stored message's id. The profile's name, when there is one, replaces the entry's;
 * slow mode applies to the sender unless the profile's role is one of the exempt.
 * KEYS: player, log, meta, slow, slowpost:0, slowpost:1.
 * ARGV: see admission_args (1..7), channel_args (8..13), the roles exempt from slow mode
 * (space-separated), when the sender stops waiting (ms) or '', then the entry's field/value
 * pairs (k, kind, f, id, n, name, ...).
 * → {'expired'} (past that, by this node's clock: nothing done), ADMIT's refusals, or
 *   {'admitted' | 'in-progress', name, role, key, whisper id, APPEND's reply}
 */
export const POST =
  defineLuaScript(`${HELPERS}${RING_HELPERS}${GENERATION_HELPERS}${PLAYER_HELPERS}${CHANNEL_HELPERS}
local ENTRY = 16
local now = now_ms()
if ARGV[15] ~= '' and now > tonumber(ARGV[15]) then return {'expired'} end
local a = admission_args(now)
local p = player_read(KEYS[1], now, a)
local adm = player_admit(p, a)
if adm.refusal then return adm.refusal end
local k = {log = KEYS[2], meta = KEYS[3], slow = KEYS[4], slowpost0 = KEYS[5],
  slowpost1 = KEYS[6]}
local result
if adm.id then
  local entry = redis.call('XRANGE', k.log, adm.id, adm.id)
  result = {'duplicate', adm.id, entry[1] and entry[1][2] or false}
else
  local o = channel_args(8, now)
  if p.role and string.find(' ' .. ARGV[14] .. ' ', ' ' .. p.role .. ' ', 1, true) then
    o.slow_sender = ''
  end
  if p.name and ARGV[ENTRY + 4] == 'n' then ARGV[ENTRY + 5] = p.name end
  local c = channel_read(k, now)
  local refusal, decision = channel_check(k, c, now, o)
  if refusal then
    result = refusal
    player_commit(p, a, adm, false)
  else
    local id = channel_store(k, c, now, o, decision, ENTRY)
    player_commit(p, a, adm, id)
    result = {'stored', id}
  end
end
return {adm.status, p.name, p.role, adm.key, adm.whisper, result}
`);

/**
 * KEYS: meta, slow. → {now in ms, the channel's counter or nil, slow mode seconds or nil}: the
 * clock and the count cap of the channel's own node, for the newest-page read that fetches its
 * entries with a plain XREVRANGE in the same round trip, and the channel's slow mode.
 */
export const CLOCK_AND_COUNTER = defineLuaScript(`${HELPERS}
return {fmt(now_ms()), redis.call('HGET', KEYS[1], 'n'), redis.call('GET', KEYS[2])}
`);

/**
 * KEYS: log, meta, deleted, slow. ARGV: windowMs, max, limit, metaTtlMs, afterMs, afterSeq (the
 * window, cap and meta lifetime of the channel's class).
 * The oldest `limit` messages after `after` (the newest and older pages are read with
 * CLOCK_AND_COUNTER and XREVRANGE instead).
 * Entries older than the window or beyond the count cap are never returned, even when
 * trimming lags. A counter missing from the stream because a moderator removed that message
 * (`deleted`) is not a miss.
 * → {entries (oldest first), recovered (0|1), hasMore (0|1), slow mode seconds or nil}
 */
export const RECENT = defineLuaScript(`${HELPERS}
local now = now_ms()
local window = tonumber(ARGV[1])
local cutoff = now - window
local limit = tonumber(ARGV[3])
local meta = redis.call('HMGET', KEYS[2], 'n', 'since')
local n = tonumber(meta[1])
local capped = n and (n - tonumber(ARGV[2])) or 0
local result = {}
local after_ms = tonumber(ARGV[5])
local after_seq = tonumber(ARGV[6])
local cursor = fmt(cutoff)
if after_ms >= cutoff then cursor = '(' .. ARGV[5] .. '-' .. ARGV[6] end
-- Capped entries can only be a prefix (ids grow with the counter): at most one extra read.
-- One entry past the page says whether there are more.
while #result <= limit do
  local batch = redis.call('XRANGE', KEYS[1], cursor, '+', 'COUNT', limit + 1 - #result)
  if #batch == 0 then break end
  for _, entry in ipairs(batch) do
    if seq_of(entry[1]) > capped then result[#result + 1] = entry end
  end
  cursor = '(' .. batch[#batch][1]
end
local recovered
if not n then
  recovered = now - after_ms <= tonumber(ARGV[4])
elseif after_ms < tonumber(meta[2]) then
  recovered = false
else
  -- Every counter between after and the first message still returned (or the newest counter,
  -- when none is left) must have been deleted on purpose.
  local next_seq = n + 1
  if #result > 0 then next_seq = seq_of(result[1][1]) end
  local skipped = next_seq - after_seq - 1
  recovered = skipped <= 0
    or redis.call('ZCOUNT', KEYS[3], after_seq + 1, next_seq - 1) == skipped
end
local more = 0
if #result > limit then
  result[#result] = nil
  more = 1
end
return {result, recovered and 1 or 0, more, redis.call('GET', KEYS[4])}
`);

/**
 * KEYS: log, deleted. ARGV: id, its counter, max, metaTtlMs. → 1 when the message was there.
 * The removed message's counter is remembered (as long as `meta` lives, the newest `max` of
 * them), so RECENT does not report the hole it leaves as missed messages. A counter forgotten
 * early only makes `recovered` false: a reader is told of a gap, never falsely reassured.
 */
export const REMOVE = defineLuaScript(`
local removed = redis.call('XDEL', KEYS[1], ARGV[1])
if removed == 1 then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[2])
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[3]) - 1)
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]))
end
return removed
`);

/** KEYS: player. ARGV: ttlMs, name, role. Replaces the profile; → 1 */
export const SET_PROFILE = defineLuaScript(`${HELPERS}
local now = now_ms()
local until_ms = now + tonumber(ARGV[1])
local writes = {'name', ARGV[2], 'role', ARGV[3], 'pu', fmt(until_ms)}
local expire = outlive(redis.call('HGET', KEYS[1], 'x'), until_ms, until_ms, writes)
redis.call('HSET', KEYS[1], unpack(writes))
if expire then redis.call('PEXPIREAT', KEYS[1], fmt(expire)) end
return 1
`);

/** KEYS: player. → {name, role} while the profile lasts, else nil */
export const PROFILE = defineLuaScript(`${HELPERS}
local v = redis.call('HMGET', KEYS[1], 'name', 'role', 'pu')
if (tonumber(v[3]) or 0) <= now_ms() then return nil end
return {v[1], v[2]}
`);

/** KEYS: player. ARGV: durationMs, by, reason or ''. Replaces any mute; → until (ms) */
export const MUTE = defineLuaScript(`${HELPERS}
local until_ms = now_ms() + tonumber(ARGV[1])
local writes = {'mu', fmt(until_ms), 'mb', ARGV[2]}
if ARGV[3] ~= '' then
  writes[5] = 'mr'
  writes[6] = ARGV[3]
else
  redis.call('HDEL', KEYS[1], 'mr')
end
local expire = outlive(redis.call('HGET', KEYS[1], 'x'), until_ms, until_ms, writes)
redis.call('HSET', KEYS[1], unpack(writes))
if expire then redis.call('PEXPIREAT', KEYS[1], fmt(expire)) end
return fmt(until_ms)
`);

/** KEYS: player. → {until, reason, by} while muted, else nil */
export const MUTE_STATE = defineLuaScript(`${HELPERS}
local v = redis.call('HMGET', KEYS[1], 'mu', 'mr', 'mb')
if (tonumber(v[1]) or 0) <= now_ms() then return nil end
return v
`);

/** KEYS: player. Lifts a mute; → 1 when the player was muted */
export const UNMUTE = defineLuaScript(`${HELPERS}
local muted = (tonumber(redis.call('HGET', KEYS[1], 'mu')) or 0) > now_ms()
redis.call('HDEL', KEYS[1], 'mu', 'mr', 'mb')
return muted and 1 or 0
`);

/**
 * KEYS: log, meta. ARGV: windowMs, max, id, before, after.
 * A report's evidence: the message `id` and up to `before` messages before it and `after` after
 * it, those still in history (inside the window and the count cap, as RECENT returns them).
 * → {entry, before (newest first), after (oldest first)}, or nil when `id` is not in history
 */
export const EVIDENCE = defineLuaScript(`${HELPERS}
local cutoff = now_ms() - tonumber(ARGV[1])
local n = tonumber(redis.call('HGET', KEYS[2], 'n')) or 0
local capped = n - tonumber(ARGV[2])
local function live(entry)
  return tonumber(string.match(entry[1], '^(%d+)')) >= cutoff and seq_of(entry[1]) > capped
end
local target = redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])
if #target == 0 or not live(target[1]) then return false end
local before = {}
for _, entry in ipairs(redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[3], '-', 'COUNT', ARGV[4])) do
  if live(entry) then before[#before + 1] = entry end
end
return {target[1], before, redis.call('XRANGE', KEYS[1], '(' .. ARGV[3], '+', 'COUNT', ARGV[5])}
`);

/**
 * KEYS: blocks. ARGV: player id, max. Adds a player to a block list (a sorted set: id → since
 * ms); blocking a blocked player again keeps the first `since`.
 * → {'blocked', since} | {'full'} when the list holds `max` players
 */
export const BLOCK = defineLuaScript(`${HELPERS}
local since = redis.call('ZSCORE', KEYS[1], ARGV[1])
if since then return {'blocked', since} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {'full'} end
local now = fmt(now_ms())
redis.call('ZADD', KEYS[1], now, ARGV[1])
return {'blocked', now}
`);

/**
 * Presence, player slot. KEYS: conns, subs (of this client id), player.
 * ARGV: kind (connected | disconnected | subscribed | unsubscribed), clientId, session, at (the
 * event's timestamp, ms), version or '', staleMs, horizonMs, then the channels (subscriptions).
 * `conns` holds one record per client id: "epoch session version state at seen" (state c/d,
 * version '-' until a connect event gives it). A new session of a client id replaces the record
 * when it is newer: by versionNumber (connect/disconnect events; within RESET_MS, as AWS resets
 * it after about an hour offline), else by timestamp. `epoch` orders sessions for the channel
 * slots: the time the record was adopted, always above the previous one. `subs` holds the
 * session's channels, "+ at" or "- at". An event older than horizonMs, for a session already
 * disconnected or replaced, or older than what a channel saw last, changes nothing.
 * → {'ok' | 'stale' | 'expired', profile name or false, {channel, op, epoch, at, ...}}
 */
export const PRESENCE_CLIENT = defineLuaScript(`${HELPERS}
local RESET_MS = 30 * 60 * 1000
local FINAL = '9007199254740991'
local now = now_ms()
local kind, client, session = ARGV[1], ARGV[2], ARGV[3]
local at = tonumber(ARGV[4])
local version = tonumber(ARGV[5])
local stale_ms, horizon = tonumber(ARGV[6]), tonumber(ARGV[7])
local profile = redis.call('HMGET', KEYS[3], 'name', 'pu')
local name = (tonumber(profile[2]) or 0) > now and profile[1]
if at < now - horizon then return {'expired', name, {}} end

local function parse(raw)
  if not raw then return nil end
  local e, s, v, st, a, seen = string.match(raw, '^(%d+) (%S+) (%S+) ([cd]) (%d+) (%d+)$')
  if not e then return nil end
  return {epoch = tonumber(e), session = s, version = tonumber(v), state = st,
    at = tonumber(a), seen = tonumber(seen)}
end
local function expired(rec)
  return (rec.state == 'c' and rec.seen + stale_ms < now)
    or (rec.state == 'd' and rec.seen + horizon < now)
end

-- Records of this player's other client ids that expired go too (a small hash: one per tab).
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local other = parse(all[i + 1])
  if all[i] ~= client and (not other or expired(other)) then redis.call('HDEL', KEYS[1], all[i]) end
end
local rec = parse(redis.call('HGET', KEYS[1], client))
if rec and expired(rec) then
  rec = nil
  redis.call('DEL', KEYS[2])
end

local changes = {}
local function change(channel, op, epoch, when)
  changes[#changes + 1] = channel
  changes[#changes + 1] = op
  changes[#changes + 1] = fmt(epoch)
  changes[#changes + 1] = when
end
local function leave_all(epoch)
  local subs = redis.call('HGETALL', KEYS[2])
  for i = 1, #subs, 2 do
    if string.sub(subs[i + 1], 1, 1) == '+' then change(subs[i], '-', epoch, FINAL) end
  end
  redis.call('DEL', KEYS[2])
end

local relation = 'new'
if rec and rec.session == session then
  relation = 'same'
elseif rec then
  local newer
  if version and rec.version and math.abs(at - rec.at) < RESET_MS then
    newer = version > rec.version
  else
    newer = at >= rec.at
  end
  relation = newer and 'newer' or 'older'
end
if relation == 'older' or (relation == 'same' and rec.state == 'd') then
  return {'stale', name, {}}
end
if relation == 'newer' then
  if rec.state == 'c' then leave_all(rec.epoch) else redis.call('DEL', KEYS[2]) end
end

local epoch, since, ver = now, at, version
if relation == 'same' then
  epoch = rec.epoch
  if kind ~= 'connected' then since = rec.at end
  ver = version or rec.version
elseif rec then
  epoch = math.max(now, rec.epoch + 1)
end
local state = 'c'
if kind == 'disconnected' then
  state = 'd'
  if relation == 'same' then leave_all(epoch) end
elseif kind == 'subscribed' or kind == 'unsubscribed' then
  local op = kind == 'subscribed' and '+' or '-'
  for i = 8, #ARGV do
    local previous = redis.call('HGET', KEYS[2], ARGV[i])
    local previous_at = previous and tonumber(string.sub(previous, 3)) or -1
    -- The later event wins; at the same millisecond, leaving does.
    if at > previous_at or (at == previous_at and op == '-') then
      redis.call('HSET', KEYS[2], ARGV[i], op .. ' ' .. fmt(at))
      change(ARGV[i], op, epoch, fmt(at))
    end
  end
  redis.call('PEXPIRE', KEYS[2], stale_ms)
end
redis.call('HSET', KEYS[1], client, table.concat({fmt(epoch), session, ver and fmt(ver) or '-',
  state, fmt(since), fmt(now)}, ' '))
redis.call('PEXPIRE', KEYS[1], math.max(stale_ms, horizon))
return {'ok', name, changes}
`);

/**
 * Presence, channel slot. The keys below, then ARGV: staleMs, horizonMs, intervalMs, maxMembers.
 * KEYS: conns (client id → "epoch at +|-"), lease (client id → when its entry expires: a member
 * whose disconnect was lost, or an old tombstone), members (player id → live client ids: HLEN is
 * the count), names, pending (player id → + or -: changes since the last broadcast), meta (last
 * broadcast, due).
 */
const PRESENCE_CHANNEL_HELPERS = `${HELPERS}
local now = now_ms()
local stale_ms, horizon = tonumber(ARGV[1]), tonumber(ARGV[2])
local changed = false
local function pend(player, op)
  if redis.call('HGET', KEYS[5], player) then
    redis.call('HDEL', KEYS[5], player)
  else
    redis.call('HSET', KEYS[5], player, op)
  end
  changed = true
end
local function add(player, name)
  if redis.call('HINCRBY', KEYS[3], player, 1) == 1 then
    redis.call('HSET', KEYS[4], player, name)
    pend(player, '+')
  end
end
local function remove(player)
  if redis.call('HINCRBY', KEYS[3], player, -1) <= 0 then
    redis.call('HDEL', KEYS[3], player)
    redis.call('HDEL', KEYS[4], player)
    pend(player, '-')
  end
end
-- Entries past their lease, a bounded number per call: members whose disconnect never came.
local function prune()
  local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
  for _, client in ipairs(due) do
    local raw = redis.call('HGET', KEYS[1], client)
    if raw and string.sub(raw, -1) == '+' then remove(string.match(client, '^[^.]+')) end
    redis.call('HDEL', KEYS[1], client)
    redis.call('ZREM', KEYS[2], client)
  end
end
local function keep_alive()
  for i = 1, 6 do redis.call('PEXPIRE', KEYS[i], stale_ms + horizon) end
end
`;

/**
 * KEYS: see PRESENCE_CHANNEL_HELPERS. ARGV: staleMs, horizonMs, intervalMs, maxMembers, then op
 * (+ | - | flush), clientId, playerId, name, epoch, at.
 * Applies one client id's join or leave unless the entry holds a later one (epoch, then at;
 * at the same instant, leaving wins), then decides the broadcast: publish now when the last one
 * is an interval old, else mark it due at last + interval (the first caller to mark it owns it).
 * → {'publish', count, {id, name, ...} joined or {} above maxMembers, {id, ...} left}
 *   | {'deferred', dueAt, 1 when this call marked it, now} | {'unchanged', count}
 */
export const PRESENCE_CHANNEL = defineLuaScript(`${PRESENCE_CHANNEL_HELPERS}
local interval, max_members = tonumber(ARGV[3]), tonumber(ARGV[4])
local op, client = ARGV[5], ARGV[6]
prune()
if op ~= 'flush' then
  local epoch, at = tonumber(ARGV[9]), tonumber(ARGV[10])
  local raw = redis.call('HGET', KEYS[1], client)
  local apply, was = true, false
  if raw then
    local e, a, st = string.match(raw, '^(%d+) (%d+) ([+-])$')
    e, a = tonumber(e), tonumber(a)
    was = st == '+'
    if e > epoch or (e == epoch and (a > at or (a == at and not (op == '-' and was)))) then
      apply = false
    end
  end
  if apply then
    redis.call('HSET', KEYS[1], client, ARGV[9] .. ' ' .. ARGV[10] .. ' ' .. op)
    if op == '+' then
      redis.call('ZADD', KEYS[2], now + stale_ms, client)
      if not was then add(ARGV[7], ARGV[8]) end
    else
      redis.call('ZADD', KEYS[2], now + horizon, client)
      if was then remove(ARGV[7]) end
    end
  end
end
keep_alive()
local meta = redis.call('HMGET', KEYS[6], 'last', 'due')
local last, due = tonumber(meta[1]) or 0, meta[2]
if not changed and not due then return {'unchanged', redis.call('HLEN', KEYS[3])} end
if now < last + interval then
  if due then return {'deferred', due, 0, fmt(now)} end
  redis.call('HSET', KEYS[6], 'due', fmt(last + interval))
  return {'deferred', fmt(last + interval), 1, fmt(now)}
end
local count = redis.call('HLEN', KEYS[3])
local joined, left = {}, {}
if count <= max_members then
  local pending = redis.call('HGETALL', KEYS[5])
  for i = 1, #pending, 2 do
    if pending[i + 1] == '+' then
      joined[#joined + 1] = pending[i]
      joined[#joined + 1] = redis.call('HGET', KEYS[4], pending[i]) or pending[i]
    else
      left[#left + 1] = pending[i]
    end
  end
end
redis.call('DEL', KEYS[5])
redis.call('HSET', KEYS[6], 'last', fmt(now))
redis.call('HDEL', KEYS[6], 'due')
return {'publish', count, joined, left}
`);

/**
 * KEYS: see PRESENCE_CHANNEL_HELPERS. ARGV: staleMs, horizonMs, limit (0: the count only).
 * Drops entries past their lease (their leave is broadcast with the next change), then answers.
 * → {count, {id, name, ...} at most limit members}
 */
export const PRESENCE_READ = defineLuaScript(`${PRESENCE_CHANNEL_HELPERS}
prune()
if changed then
  keep_alive()
  if not redis.call('HGET', KEYS[6], 'due') then redis.call('HSET', KEYS[6], 'due', fmt(now)) end
end
local limit = tonumber(ARGV[3])
local members = {}
local cursor = '0'
if limit > 0 then
  repeat
    local page = redis.call('HSCAN', KEYS[4], cursor, 'COUNT', limit)
    cursor = page[1]
    for i = 1, #page[2], 2 do
      if #members < 2 * limit then
        members[#members + 1] = page[2][i]
        members[#members + 1] = page[2][i + 1]
      end
    end
  until cursor == '0' or #members >= 2 * limit
end
return {redis.call('HLEN', KEYS[3]), members}
`);

/**
 * KEYS: recipient's conns, recipient's blocks. ARGV: sender, staleMs.
 * Whether a whisper may go to the recipient, in this order: `offline` when no connection of the
 * recipient is live (a connected record seen less than staleMs ago), then `ignored` when the recipient
 * blocked the sender, else `ok`.
 */
export const RECIPIENT_STATUS = defineLuaScript(`${HELPERS}
local now = now_ms()
local stale_ms = tonumber(ARGV[2])
local online = false
for _, raw in ipairs(redis.call('HVALS', KEYS[1])) do
  local state, seen = string.match(raw, ' ([cd]) %d+ (%d+)$')
  -- Live until seen + staleMs, exclusive: the channel's lease (ZADD now + staleMs) is pruned at
  -- that same millisecond, and both must agree.
  if state == 'c' and tonumber(seen) + stale_ms > now then
    online = true
    break
  end
end
if not online then return 'offline' end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 'ignored' end
return 'ok'
`);

/**
 * KEYS: report, open, resolved, duplicate marker, reporter's rate, sequence.
 * ARGV: reportId, rate max, rate windowMs, then the report's field/value pairs.
 * Stores a report: one per reporter and message (the duplicate marker), at most `rate max` per
 * reporter per window. The indexes are scored by creation time in microseconds (ms * 1000 + a
 * sequence), so reports made in one millisecond keep their order. Reports and their markers get
 * no TTL: under the cache's `volatile-ttl` policy only keys with one can be evicted, and
 * evidence must not be. The store deletes them after the retention itself (`pruneReports`).
 * → {'created', reportId, createdAt} | {'duplicate', reportId} | {'rate_limited', retryAfterMs}
 */
export const CREATE_REPORT = defineLuaScript(`${HELPERS}
local now = now_ms()
local window = tonumber(ARGV[3])
local existing = redis.call('GET', KEYS[4])
if existing then return {'duplicate', existing} end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', fmt(now - window))
if redis.call('ZCARD', KEYS[5]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[5], 0, 0, 'WITHSCORES')
  return {'rate_limited', fmt(math.max(1, tonumber(oldest[2]) + window - now))}
end
redis.call('ZADD', KEYS[5], now, ARGV[1])
redis.call('PEXPIRE', KEYS[5], window)
local score = now * 1000 + redis.call('INCR', KEYS[6]) % 1000
local fields = {'createdAt', fmt(now), 'score', fmt(score), 'status', 'open', 'marker', KEYS[4]}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('SET', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[2], fmt(score), ARGV[1])
return {'created', ARGV[1], fmt(now)}
`);

/**
 * KEYS: report, open, resolved. ARGV: reportId, then the resolution's field/value pairs.
 * Records who resolved an open report and when, and moves it to the resolved index.
 * → {'resolved', at} | {'not_found'} | {'resolved_before'}
 */
export const RESOLVE_REPORT = defineLuaScript(`${HELPERS}
local state = redis.call('HMGET', KEYS[1], 'status', 'score')
if not state[1] then return {'not_found'} end
if state[1] ~= 'open' then return {'resolved_before'} end
local at = fmt(now_ms())
local fields = {'status', 'resolved', 'at', at}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], state[2], ARGV[1])
return {'resolved', at}
`);
