// Lua run inside Redis: every worker process reads and changes the shared key state (breaker,
// health, pauses, rate windows, daily quotas) in one atomic step. No library keeps this kind of
// cross-process state for us (cockatiel and opossum are in-process), so it is written here.
//
// Per provider key, four Redis keys:
//   S  state hash: breaker state, consecutive failures, health averages, pause, disable, probe
//   M  minute hash: per-second buckets `r<sec>` (requests) and `t<sec>` (tokens), last 60 s,
//      with their sums `R`, `T` and `lo`, the first second still counted
//   D  day hash for the UTC day: `r` requests and `t` tokens reserved; seeded from Postgres
//   A  alerts hash for the UTC day: threshold -> time it was first passed

/** Upper bounds (ms) of the call latency histogram kept per key. */
export const LATENCY_BUCKETS_MS = [100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const;

/** Shared helpers, prepended to both scripts. */
const COMMON = `
local function num(v, d) if v == false or v == nil then return d end local n = tonumber(v) if n == nil then return d end return n end

-- The minute hash keeps its buckets' sums in 'R' and 'T', and 'lo': every bucket of a second
-- before 'lo' has been taken out of them and deleted. A bucket holds a whole second: it leaves
-- 61 s after it began, so a request made late in its second is never forgotten before a
-- provider's own 60 s window forgets it. Buckets are written only together with the sums.

-- Recomputes the sums from the buckets themselves, deleting the ones that left (a hash written
-- before the sums were kept, or a key idle for long).
local function rebuild(M, sec)
  local flat = redis.call('HGETALL', M)
  local r, t = 0, 0
  for j = 1, #flat, 2 do
    local f = flat[j]
    local kind = string.sub(f, 1, 1)
    local s = tonumber(string.sub(f, 2))
    if kind == 'r' or kind == 't' then
      if s == nil or s <= sec - 61 then
        redis.call('HDEL', M, f)
      elseif kind == 'r' then
        r = r + (tonumber(flat[j + 1]) or 0)
      else
        t = t + (tonumber(flat[j + 1]) or 0)
      end
    end
  end
  redis.call('HSET', M, 'R', r, 'T', t, 'lo', sec - 60)
  return r, t
end

-- Requests and tokens of the last 60 s: the sums, after taking out the seconds that left since
-- the last call (usually none or one: one HMGET, not a scan of up to 120 buckets).
local function window(M, sec)
  local v = redis.call('HMGET', M, 'R', 'T', 'lo')
  local r, t, lo = tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
  local cut = sec - 61
  if r == nil or t == nil or lo == nil or cut - lo > 130 then return rebuild(M, sec) end
  if lo <= cut then
    local fields = {}
    for s = lo, cut do
      table.insert(fields, 'r' .. s)
      table.insert(fields, 't' .. s)
    end
    local old = redis.call('HMGET', M, unpack(fields))
    for j = 1, #fields, 2 do
      r = r - (tonumber(old[j]) or 0)
      t = t - (tonumber(old[j + 1]) or 0)
    end
    redis.call('HDEL', M, unpack(fields))
    redis.call('HSET', M, 'R', r, 'T', t, 'lo', cut + 1)
  end
  return r, t
end

-- The earliest second in the window with requests or tokens (nil: none); asked only when a key
-- is over its per-minute limit, to say when it frees up.
local function oldest(M, sec)
  local fields = {}
  for s = sec - 60, sec do
    table.insert(fields, 'r' .. s)
    table.insert(fields, 't' .. s)
  end
  local v = redis.call('HMGET', M, unpack(fields))
  for j = 1, #fields, 2 do
    if (tonumber(v[j]) or 0) > 0 or (tonumber(v[j + 1]) or 0) > 0 then return sec - 60 + (j - 1) / 2 end
  end
  return nil
end

local function health(okE, lastFail, now)
  -- Failures fade: a key that failed a while ago and has not been tried since is not shunned.
  return 1 - (1 - okE) * math.exp(-(now - lastFail) / 60000)
end
`;

/**
 * Picks a key of one provider and reserves a request and its estimated tokens on it.
 *
 * KEYS: S,M,D,A for each of n keys.
 * ARGV: now, n, rand (0..1), est tokens, reservation id, open ms, probe ttl ms, unhealthy after,
 *       latency scale ms, temperature, day end (ms), peek (1 = reserve nothing), then per key:
 *       rpm, rpd, tpm, tpd, excluded (1/0).
 * Returns {"ok", index, probe, second, used ‰ of the key's tightest limit} | {"seed", index} |
 * {"wait", json}.
 */
export const ACQUIRE =
  COMMON +
  `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local rand = tonumber(ARGV[3])
local est = tonumber(ARGV[4])
local resId = ARGV[5]
local openMs = tonumber(ARGV[6])
local probeTtl = tonumber(ARGV[7])
local unhealthyAfter = tonumber(ARGV[8])
local latScale = tonumber(ARGV[9])
local temp = tonumber(ARGV[10])
local dayEnd = tonumber(ARGV[11])
local peek = ARGV[12] == '1'
local sec = math.floor(now / 1000)

local cands = {}
-- Per key: the share of its tightest limit used (candidates only), and whether it has a
-- per-minute limit.
local usedOf, perMinute = {}, {}
local probeIdx = nil
local best = -1
local blocked = {}

for i = 1, n do
  local S, M, D = KEYS[i*4-3], KEYS[i*4-2], KEYS[i*4-1]
  local base = 12 + (i - 1) * 5
  local rpm, rpd, tpm, tpd = tonumber(ARGV[base+1]), tonumber(ARGV[base+2]), tonumber(ARGV[base+3]), tonumber(ARGV[base+4])
  local excluded = ARGV[base+5] == '1'
  perMinute[i] = rpm > 0 or tpm > 0
  local st = redis.call('HMGET', S, 'state', 'fails', 'opened_until', 'probe_until', 'disabled', 'disabled_until', 'disabled_reason', 'paused_until', 'ok', 'lat', 'last_fail')
  local state = st[1] or 'closed'
  local fails = num(st[2], 0)
  local openedUntil = num(st[3], 0)
  local probeUntil = num(st[4], 0)
  local disabled = st[5] == '1'
  local disabledUntil = num(st[6], 0)
  local pausedUntil = num(st[8], 0)
  local reason, avail, kind = nil, 0, nil
  local probe = false

  if excluded then
    reason, avail, kind = 'failed for this job', dayEnd, 'excluded'
  elseif disabled then
    if now < disabledUntil then
      reason, avail, kind = 'disabled: ' .. (st[7] or 'credentials rejected'), disabledUntil, 'revoked'
    elseif probeUntil > now then
      reason, avail, kind = 'disabled: probe in flight', probeUntil, 'revoked'
    else
      probe = true
    end
  elseif state == 'open' and now < openedUntil then
    reason, avail, kind = 'circuit breaker open', openedUntil, 'down'
  elseif state == 'open' or state == 'half_open' then
    if state == 'open' and not peek then redis.call('HSET', S, 'state', 'half_open', 'half_ok', 0) end
    if probeUntil > now then
      reason, avail, kind = 'circuit breaker half-open, probe in flight', probeUntil, 'down'
    else
      probe = true
    end
  elseif fails >= unhealthyAfter and now - num(st[11], 0) < openMs then
    reason, avail, kind = 'unhealthy: ' .. fails .. ' failures in a row', num(st[11], 0) + openMs, 'down'
  end

  if reason == nil and pausedUntil > now then
    reason, avail, kind = 'rate limited by the provider (retry-after)', pausedUntil, 'throttled'
  end

  local dr, dt = 0, 0
  if reason == nil then
    if redis.call('EXISTS', D) == 0 then return {'seed', i} end
    local d = redis.call('HMGET', D, 'r', 't')
    dr, dt = num(d[1], 0), num(d[2], 0)
    if rpd > 0 and dr + 1 > rpd then
      reason, avail, kind = 'daily request limit reached', dayEnd, 'exhausted'
    elseif tpd > 0 and dt + math.min(est, tpd) > tpd then
      reason, avail, kind = 'daily token limit reached', dayEnd, 'exhausted'
    end
  end

  local mr, mt = 0, 0
  if reason == nil and perMinute[i] then
    mr, mt = window(M, sec)
    if (rpm > 0 and mr + 1 > rpm) or (tpm > 0 and mt + math.min(est, tpm) > tpm) then
      reason, kind = 'per-minute limit reached', 'throttled'
      avail = ((oldest(M, sec) or sec) + 61) * 1000
    end
  end

  if reason ~= nil then
    table.insert(blocked, {i, reason, avail, kind})
  else
    local used = 0
    if rpd > 0 then used = math.max(used, dr / rpd) end
    if tpd > 0 then used = math.max(used, dt / tpd) end
    if rpm > 0 then used = math.max(used, mr / rpm) end
    if tpm > 0 then used = math.max(used, mt / tpm) end
    local h = health(num(st[9], 1), num(st[11], 0), now)
    local lat = num(st[10], 0)
    local score = 0.4 * h + 0.3 * (1 - math.min(used, 1)) + 0.3 * math.exp(-lat / latScale)
    if probe then
      if probeIdx == nil then probeIdx = i end
    else
      usedOf[i] = used
      table.insert(cands, {i, score, 0})
      if score > best then best = score end
    end
  end
end

local pick = probeIdx
if pick == nil and #cands > 0 then
  -- Softmax over the scores: the best key carries most traffic, a worse one a share that
  -- shrinks fast with the gap, so its health and latency keep being measured.
  local total = 0
  for _, c in ipairs(cands) do c[3] = math.exp((c[2] - best) / temp) total = total + c[3] end
  local x = rand * total
  pick = cands[#cands][1]
  for _, c in ipairs(cands) do
    x = x - c[3]
    if x <= 0 then pick = c[1] break end
  end
end

if pick == nil then
  local out = {}
  for _, b in ipairs(blocked) do
    table.insert(out, {index = b[1], reason = b[2], until_ms = b[3], kind = b[4]})
  end
  return {'wait', cjson.encode(out)}
end
if peek then return {'ok', pick, 0, sec} end

local S, M, D = KEYS[pick*4-3], KEYS[pick*4-2], KEYS[pick*4-1]
-- A key with no per-minute limit had no window taken above: keep its buckets from piling up.
if not perMinute[pick] then window(M, sec) end
redis.call('HINCRBY', M, 'r' .. sec, 1)
redis.call('HINCRBY', M, 't' .. sec, est)
redis.call('HINCRBY', M, 'R', 1)
redis.call('HINCRBY', M, 'T', est)
redis.call('PEXPIRE', M, 120000)
redis.call('HINCRBY', D, 'r', 1)
redis.call('HINCRBY', D, 't', est)
local isProbe = 0
if pick == probeIdx then
  redis.call('HSET', S, 'probe_id', resId, 'probe_until', now + probeTtl)
  isProbe = 1
end
-- How much of its tightest limit the picked key has used, in thousandths (a probe: all of it).
local usedPick = usedOf[pick] or 1
if isProbe == 1 then usedPick = 1 end
return {'ok', pick, isProbe, sec, math.floor(math.min(usedPick, 1) * 1000)}
`;

/**
 * Records how a reserved call went.
 *
 * KEYS: S, M, D, A of the key, and the stats hash shared by all keys (for /metrics).
 * ARGV: now, outcome (ok|fail|rate|auth|neutral|release), latency ms, est tokens, real tokens,
 *       reservation second, reservation id, retry-after ms, failure threshold, open ms,
 *       success threshold, disable ms, reason, rpd, tpd, key id.
 * Returns the alert thresholds (80, 90, 100) this call passed first today.
 */
export const SETTLE =
  COMMON +
  `
local LATENCY_BUCKETS = {${LATENCY_BUCKETS_MS.join(", ")}}
local S, M, D, A = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now = tonumber(ARGV[1])
local outcome = ARGV[2]
local latency = tonumber(ARGV[3])
local est = tonumber(ARGV[4])
local real = tonumber(ARGV[5])
local sec = ARGV[6]
local resId = ARGV[7]
local retryAfter = tonumber(ARGV[8])
local threshold = tonumber(ARGV[9])
local openMs = tonumber(ARGV[10])
local successThreshold = tonumber(ARGV[11])
local disableMs = tonumber(ARGV[12])
local reason = ARGV[13]
local rpd, tpd = tonumber(ARGV[14]), tonumber(ARGV[15])
local keyId = ARGV[16]
local STATS = KEYS[5]

-- Calls by outcome and a latency histogram (ms buckets), per key, for /metrics.
if outcome ~= 'release' then
  redis.call('HINCRBY', STATS, keyId .. '|' .. outcome, 1)
  if outcome == 'ok' or outcome == 'fail' then
    local le = 'inf'
    for _, b in ipairs(LATENCY_BUCKETS) do
      if latency <= b then le = tostring(b) break end
    end
    redis.call('HINCRBY', STATS, keyId .. '|le|' .. le, 1)
    redis.call('HINCRBY', STATS, keyId .. '|sum', latency)
  end
end

-- Tokens: the estimate becomes the real figure; a released reservation gives everything back.
local dreq, dtok = 0, real - est
if outcome == 'release' then dreq, dtok = -1, -est end
-- A bucket still there is counted in the sums (see window).
if redis.call('HEXISTS', M, 'r' .. sec) == 1 then
  if dreq ~= 0 then
    redis.call('HINCRBY', M, 'r' .. sec, dreq)
    redis.call('HINCRBY', M, 'R', dreq)
  end
  if dtok ~= 0 then
    redis.call('HINCRBY', M, 't' .. sec, dtok)
    redis.call('HINCRBY', M, 'T', dtok)
  end
end
if redis.call('EXISTS', D) == 1 then
  if dreq ~= 0 then redis.call('HINCRBY', D, 'r', dreq) end
  if dtok ~= 0 then redis.call('HINCRBY', D, 't', dtok) end
end

local st = redis.call('HMGET', S, 'state', 'fails', 'ok', 'lat', 'half_ok', 'disabled', 'probe_id')
local state = st[1] or 'closed'
local fails = num(st[2], 0)
local okE = num(st[3], 1)
local lat = st[4]
local halfOk = num(st[5], 0)
local disabled = st[6] == '1'
local mine = st[7] == resId

local function track_latency()
  if lat == false or lat == nil then lat = latency else lat = tonumber(lat) * 0.7 + latency * 0.3 end
end

if outcome == 'ok' then
  okE = okE * 0.8 + 0.2
  track_latency()
  fails = 0
  redis.call('HINCRBY', S, 'calls', 1)
  if disabled and mine then
    redis.call('HSET', S, 'disabled', 0, 'disabled_reason', '')
  end
  if state == 'half_open' and mine then
    halfOk = halfOk + 1
    if halfOk >= successThreshold then state, halfOk = 'closed', 0 end
  end
elseif outcome == 'fail' then
  okE = okE * 0.8
  track_latency()
  fails = fails + 1
  redis.call('HINCRBY', S, 'calls', 1)
  redis.call('HINCRBY', S, 'failures', 1)
  redis.call('HSET', S, 'last_fail', now)
  if state == 'half_open' or (state == 'closed' and fails >= threshold) then
    state, halfOk = 'open', 0
    redis.call('HSET', S, 'opened_until', now + openMs, 'opened_at', now)
  end
  if disabled and mine then redis.call('HSET', S, 'disabled_until', now + disableMs) end
elseif outcome == 'rate' then
  redis.call('HINCRBY', S, 'calls', 1)
  redis.call('HINCRBY', S, 'rate_limited', 1)
  local cur = num(redis.call('HGET', S, 'paused_until'), 0)
  if now + retryAfter > cur then redis.call('HSET', S, 'paused_until', now + retryAfter) end
elseif outcome == 'auth' then
  redis.call('HINCRBY', S, 'calls', 1)
  redis.call('HSET', S, 'disabled', 1, 'disabled_reason', reason, 'disabled_until', now + disableMs, 'disabled_at', now)
end

redis.call('HSET', S, 'state', state, 'fails', fails, 'ok', okE, 'half_ok', halfOk)
if lat ~= false and lat ~= nil then redis.call('HSET', S, 'lat', lat) end
if mine then redis.call('HDEL', S, 'probe_id', 'probe_until') end

local fired = {}
if outcome ~= 'release' and (rpd > 0 or tpd > 0) and redis.call('EXISTS', D) == 1 then
  local d = redis.call('HMGET', D, 'r', 't')
  local pct = 0
  if rpd > 0 then pct = math.max(pct, num(d[1], 0) * 100 / rpd) end
  if tpd > 0 then pct = math.max(pct, num(d[2], 0) * 100 / tpd) end
  for _, thr in ipairs({80, 90, 100}) do
    if pct >= thr and redis.call('HSETNX', A, tostring(thr), now) == 1 then
      table.insert(fired, thr)
    end
  end
  redis.call('PEXPIRE', A, 3 * 86400000)
end
return fired
`;

/** Seeds a day hash from Postgres' record, unless another process already has. KEYS: D. ARGV: r, t. */
export const SEED = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 't', ARGV[2])
redis.call('PEXPIRE', KEYS[1], 3 * 86400000)
return 1
`;
