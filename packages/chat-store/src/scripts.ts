import { defineLuaScript } from './connection.js';

/**
 * The store's Lua scripts. Each store operation is one of them: one round trip, atomic, and
 * on one hash slot (every key it touches shares a `{channel}` or `{player}` tag). Time always
 * comes from `redis.call('TIME')`, so ids, trimming and rate limits agree on one clock.
 */

const HELPERS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function fmt(n)
  return string.format('%.0f', n)
end

-- Rate limits count a message in the second IoT received it (the rule's timestamp()), not when
-- the filter gets to it: messages held up by an outage and then handled together are charged
-- where they were sent. A ring of RING one-second slots (hash field slot % RING = "slot:count").
-- A message in slot s passes when every run of k slots around s holds at most
-- max(1, burst, rate) + rate * (k - 1) messages with it: a token bucket over whole seconds that
-- gives the same answer whatever order delayed messages are handled in. A message older than the
-- ring counts in its oldest slot, one from the future (clock skew) in the current one.
-- Returns 0 and counts the message, or the milliseconds until a message received now would pass.
local RING = 64
local function take_slot(key, now, received, burst, rate)
  local first = math.floor(now / 1000) - RING + 1
  local at = math.min(RING - 1, math.max(0, math.floor(received / 1000) - first))
  local fields = {}
  for i = 0, RING - 1 do fields[i + 1] = tostring((first + i) % RING) end
  local raw = redis.call('HMGET', key, unpack(fields))
  -- prefix[i]: messages in the ring's first i slots.
  local prefix = {[0] = 0}
  for i = 1, RING do
    local count = 0
    if raw[i] then
      local slot, n = string.match(raw[i], '^(%d+):(%d+)$')
      if tonumber(slot) == first + i - 1 then count = tonumber(n) end
    end
    prefix[i] = prefix[i - 1] + count
  end
  local cap = math.max(1, burst, rate)
  -- Runs j..i (0-based, j <= at <= i) hold prefix[i + 1] - prefix[j] messages.
  local min_end = math.huge
  for i = at, RING - 1 do min_end = math.min(min_end, rate * i - prefix[i + 1]) end
  local min_start = math.huge
  for j = 0, at do min_start = math.min(min_start, prefix[j] - rate * j) end
  if cap + min_end + min_start >= 1 then
    local count = prefix[at + 1] - prefix[at] + 1
    redis.call('HSET', key, tostring((first + at) % RING), fmt(first + at) .. ':' .. fmt(count))
    redis.call('PEXPIRE', key, RING * 1000)
    return 0
  end
  -- A message received later, in empty slot a >= RING - 1, passes once
  -- cap + rate * a - prefix[RING] + min(prefix[j] - rate * j) >= 1.
  for j = at + 1, RING - 1 do min_start = math.min(min_start, prefix[j] - rate * j) end
  local a = math.max(RING - 1, math.ceil((1 - cap + prefix[RING] - min_start) / rate))
  return math.max(1, (first + a) * 1000 - now)
end

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

local function seq_of(id)
  return tonumber(string.match(id, '%-(%d+)$'))
end
`;

/**
 * KEYS: mute, rate, seen:0, seen:1, profile.
 * ARGV: ingestId, burst, perSecond, dedupeWindowMs, receivedAt or '' (now), resendKey or '',
 * whisperId or ''.
 * Each admission is an idempotency record: found by its rule event (`e:{ingestId}`) or by a
 * resend of the same message (`r:{resendKey}`: target and clientMsgId), both holding
 * "{key} {whisperId}" with the first event's ingestId as the key, and marked in progress
 * (`p:{key}`) until COMPLETE_ADMISSION. A record found is not charged again.
 * → {'admitted' | 'in-progress', name, role, key, whisper id or ''} | {'completed'}
 *   | {'muted', until, reason} | {'rate_limited', retryAfterMs}
 */
export const ADMIT = defineLuaScript(`${HELPERS}
local now = now_ms()
local window = tonumber(ARGV[4])
local g = math.floor(now / window)
local fields = {'e:' .. ARGV[1]}
if ARGV[6] ~= '' then fields[2] = 'r:' .. ARGV[6] end
local found = gen_lookup(KEYS[3], KEYS[4], g, fields)
if found then
  local key, whisper = string.match(found, '^([^ ]*) ?(.*)$')
  if not gen_lookup(KEYS[3], KEYS[4], g, {'p:' .. key}) then return {'completed'} end
  local profile = redis.call('HMGET', KEYS[5], 'name', 'role')
  return {'in-progress', profile[1], profile[2], key, whisper}
end
local mute = redis.call('HMGET', KEYS[1], 'until', 'reason')
if mute[1] and tonumber(mute[1]) > now then
  return {'muted', mute[1], mute[2]}
end
local received = tonumber(ARGV[5]) or now
local wait = take_slot(KEYS[2], now, received, tonumber(ARGV[2]), tonumber(ARGV[3]))
if wait > 0 then
  return {'rate_limited', wait}
end
local record = ARGV[1]
if ARGV[7] ~= '' then record = record .. ' ' .. ARGV[7] end
local entries = {'p:' .. ARGV[1], '1'}
for _, field in ipairs(fields) do
  entries[#entries + 1] = field
  entries[#entries + 1] = record
end
gen_set(KEYS[3], KEYS[4], g, window, entries)
local profile = redis.call('HMGET', KEYS[5], 'name', 'role')
return {'admitted', profile[1], profile[2], ARGV[1], ARGV[7]}
`);

/**
 * KEYS: seen:0, seen:1. ARGV: the admission's key.
 * Completes an admission: clears its in-progress mark. → 1 when it was there
 */
export const COMPLETE_ADMISSION = defineLuaScript(`
return redis.call('HDEL', KEYS[1], 'p:' .. ARGV[1]) + redis.call('HDEL', KEYS[2], 'p:' .. ARGV[1])
`);

/**
 * KEYS: log, dedupe:0, dedupe:1, rate, meta, slow, slowpost:0, slowpost:1.
 * ARGV: windowMs, max, channelRatePerSecond (0 = none), metaTtlMs, senderField or '',
 * ingestField or '', dedupeWindowMs, receivedAt or '' (now), slow mode sender or '' (exempt),
 * then the stream entry's field/value pairs.
 * Slow mode (`slow`: seconds) lets a sender store one message per interval, counted by receipt
 * time; the sender's last post is kept in two generation hashes as long as an interval needs.
 * → {'stored', id} | {'duplicate', id, fields or false} | {'rate_limited', retryAfterMs}
 *   | {'slow_mode', retryAfterMs, seconds}
 */
export const APPEND = defineLuaScript(`${HELPERS}
local now = now_ms()
local window = tonumber(ARGV[1])
local dedupe_window = tonumber(ARGV[7])
local g = math.floor(now / dedupe_window)
local dedupe = {}
if ARGV[5] ~= '' then dedupe[#dedupe + 1] = ARGV[5] end
if ARGV[6] ~= '' then dedupe[#dedupe + 1] = ARGV[6] end
if #dedupe > 0 then
  local id = gen_lookup(KEYS[2], KEYS[3], g, dedupe)
  if id then
    local entry = redis.call('XRANGE', KEYS[1], id, id)
    return {'duplicate', id, entry[1] and entry[1][2] or false}
  end
end
local received = tonumber(ARGV[8]) or now
local slow = tonumber(redis.call('GET', KEYS[6])) or 0
local slow_post
if slow > 0 and ARGV[9] ~= '' then
  local interval = slow * 1000
  slow_post = {'p:' .. ARGV[9]}
  local last = gen_lookup(KEYS[7], KEYS[8], math.floor(now / interval), slow_post)
  if last and received - tonumber(last) < interval then
    return {'slow_mode', fmt(math.max(1, tonumber(last) + interval - now)), fmt(slow)}
  end
end
local rate = tonumber(ARGV[3])
if rate > 0 then
  local wait = take_slot(KEYS[4], now, received, rate, rate)
  if wait > 0 then
    return {'rate_limited', wait}
  end
end
local meta = redis.call('HMGET', KEYS[5], 'n', 'since', 'last')
local n = (tonumber(meta[1]) or 0) + 1
local since = meta[2] or fmt(now)
local ms = math.max(now, tonumber(meta[3]) or 0)
local id = fmt(ms) .. '-' .. fmt(n)
local fields = {}
for i = 10, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('XADD', KEYS[1], id, unpack(fields))
redis.call('XTRIM', KEYS[1], 'MINID', '~', fmt(now - window))
redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[2])
redis.call('PEXPIRE', KEYS[1], window)
redis.call('HSET', KEYS[5], 'n', fmt(n), 'since', since, 'last', fmt(ms))
redis.call('PEXPIRE', KEYS[5], tonumber(ARGV[4]))
if #dedupe > 0 then
  local entries = {}
  for _, field in ipairs(dedupe) do
    entries[#entries + 1] = field
    entries[#entries + 1] = id
  end
  gen_set(KEYS[2], KEYS[3], g, dedupe_window, entries)
end
if slow_post then
  local interval = slow * 1000
  gen_set(KEYS[7], KEYS[8], math.floor(now / interval), interval, {slow_post[1], fmt(received)})
end
return {'stored', id}
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

/** KEYS: profile. ARGV: ttlMs, name, role. */
export const SET_PROFILE = defineLuaScript(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'role', ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`);

/** KEYS: mute. ARGV: durationMs, by, reason or ''. → until (ms) */
export const MUTE = defineLuaScript(`${HELPERS}
local until_ms = now_ms() + tonumber(ARGV[1])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'until', fmt(until_ms), 'by', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return fmt(until_ms)
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
 * Presence, player slot. KEYS: conns, subs (of this client id), profile.
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
local name = redis.call('HGET', KEYS[3], 'name') or false
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
 * recipient is live (a connected record seen within staleMs), then `ignored` when the recipient
 * blocked the sender, else `ok`.
 */
export const RECIPIENT_STATUS = defineLuaScript(`${HELPERS}
local now = now_ms()
local stale_ms = tonumber(ARGV[2])
local online = false
for _, raw in ipairs(redis.call('HVALS', KEYS[1])) do
  local state, seen = string.match(raw, ' ([cd]) %d+ (%d+)$')
  if state == 'c' and tonumber(seen) + stale_ms >= now then
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
