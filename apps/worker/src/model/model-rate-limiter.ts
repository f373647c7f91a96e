import type { RedisClient, RedisKeys } from '@dtbot/shared';

/**
 * Admission to the model, for all workers together, in Redis:
 * - one sliding 60-second window: at most `rpm` requests start and at most `tpm` tokens are spent
 *   in any rolling minute;
 * - after the upstream answers 429 (its limit is lower than ours, or shared with others): nobody
 *   calls until its retry-after has passed, and then only a congestion window of calls may be in
 *   flight, growing back with each success. Without it, every job that was waiting would retry at
 *   the same instant and collect another 429.
 * Time is Redis' own clock, so workers on machines with skewed clocks still agree.
 */

// KEYS: requests zset, tokens zset, congestion hash, in-flight zset.
// ARGV: windowMs, rpm, tpm, tokens, id, leaseMs.
// Members of the tokens zset are "<id>|<tokens>". Returns 0 when granted, else ms to wait.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, rpm, tpm, tokens = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local congestion = redis.call('HMGET', KEYS[3], 'pausedUntil', 'cwnd')
-- The upstream said 429: nobody calls it until its retry-after has passed.
local paused = tonumber(congestion[1] or '0')
if paused > now then return paused - now end
-- After a 429, at most cwnd calls may be in flight at once (0 = no 429 seen lately: no cap). The leases of
-- crashed workers' calls (expired) are dropped where the calls in flight are counted: here, and in a 429's release.
local cwnd = tonumber(congestion[2] or '0')
if cwnd > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  if redis.call('ZCARD', KEYS[4]) >= math.floor(cwnd) then return 50 end
end
-- A window without a limit is never written, so it needs no trimming either.
if rpm > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window) end
if tpm > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window) end
if rpm > 0 and redis.call('ZCARD', KEYS[1]) >= rpm then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
if tpm > 0 then
  local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  local used = 0
  for i = 1, #entries, 2 do
    used = used + tonumber(string.match(entries[i], '|(%d+)$'))
  end
  if used > 0 and used + tokens > tpm then
    -- wait until enough of the oldest spending has left the window
    local freed = 0
    for i = 1, #entries, 2 do
      freed = freed + tonumber(string.match(entries[i], '|(%d+)$'))
      if used - freed + tokens <= tpm then
        return math.max(1, tonumber(entries[i + 1]) + window - now)
      end
    end
    return window
  end
  redis.call('ZADD', KEYS[2], now, ARGV[5] .. '|' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[2], window)
end
if rpm > 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], window)
end
-- No expiry of its own: the set empties (and so goes) as calls are released, and the only members it can keep are
-- the leases of calls whose worker died, dropped wherever the calls in flight are counted. An expiry renewed here
-- would cost every answered message a command to spare a few dozen bytes per crash between two 429s.
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[6]), ARGV[5])
return 0
`;

// KEYS: congestion hash, in-flight zset. ARGV: id, outcome ('ok' | 'throttled' | 'error'), retryAfterMs, maxCwnd.
// Additive increase, multiplicative decrease, shared by all workers: a 429 halves how many calls
// may be in flight (once per pause, however many calls of the same burst come back 429), each
// success lets a little more through, and far enough above the trouble the cap is dropped.
// The common case (a success while no 429 was seen lately) costs two commands: ZREM and HGET.
const RELEASE = `
local cwnd = tonumber(redis.call('HGET', KEYS[1], 'cwnd') or '0')
if ARGV[2] == 'throttled' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  -- Counted before this call leaves: the calls that were in flight when the 429 came (expired leases dropped).
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local inflight = redis.call('ZCARD', KEYS[2])
  redis.call('ZREM', KEYS[2], ARGV[1])
  local paused = tonumber(redis.call('HGET', KEYS[1], 'pausedUntil') or '0')
  if paused <= now then
    local base = inflight
    if cwnd > 0 and cwnd < base then base = cwnd end
    cwnd = math.max(1, math.floor(base / 2))
    redis.call('HSET', KEYS[1], 'cwnd', cwnd)
  end
  redis.call('HSET', KEYS[1], 'pausedUntil', math.max(paused, now + tonumber(ARGV[3])))
else
  redis.call('ZREM', KEYS[2], ARGV[1])
  if cwnd == 0 then return 0 end
  if ARGV[2] == 'ok' then
    cwnd = cwnd + 1 / cwnd
    if cwnd >= tonumber(ARGV[4]) then
      redis.call('HDEL', KEYS[1], 'cwnd')
    else
      redis.call('HSET', KEYS[1], 'cwnd', tostring(cwnd))
    end
  end
end
-- Ten quiet minutes and the congestion state is forgotten (with no cap and no pause there is none to keep).
redis.call('PEXPIRE', KEYS[1], 600000)
return 0
`;

// KEYS: tokens zset. ARGV: id, estimated, actual. Replaces an estimate with the real count.
const CORRECT = `
local member = ARGV[1] .. '|' .. ARGV[2]
local score = redis.call('ZSCORE', KEYS[1], member)
if not score then return 0 end
redis.call('ZREM', KEYS[1], member)
redis.call('ZADD', KEYS[1], score, ARGV[1] .. '|' .. ARGV[3])
return 1
`;

// KEYS: requests zset, tokens zset. ARGV: id, tokens (as acquired), windowMs.
// The call has just left: its window entries count from now, not from the grant. Entries that are
// gone (no limit set, or already trimmed) are not brought back.
const DEPART = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now, ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if redis.call('ZADD', KEYS[2], 'XX', 'CH', now, ARGV[1] .. '|' .. ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return 0
`;

interface LimiterCommands {
  dtbotAcquire(
    requests: string,
    tokens: string,
    congestion: string,
    inflight: string,
    windowMs: number,
    rpm: number,
    tpm: number,
    cost: number,
    id: string,
    leaseMs: number,
  ): Promise<number>;
  dtbotRelease(congestion: string, inflight: string, id: string, outcome: string, retryAfterMs: number, maxCwnd: number): Promise<number>;
  dtbotCorrect(tokens: string, id: string, estimated: number, actual: number): Promise<number>;
  dtbotDepart(requests: string, tokens: string, id: string, cost: number, windowMs: number): Promise<number>;
}

/**
 * Added to the 60 s window in production. Each entry is stamped when its request leaves the worker, so the margin
 * covers only the way from the worker to the provider: tens to a few hundred ms even to a distant one. 1 s leaves
 * room for that at a cost of 1/61 of the RPM (docs/benchmarks.md, scenario 3: all of the RPM used, 1 % answered 429).
 */
export const RATE_WINDOW_MARGIN_MS = 1000;

export interface RateLimits {
  rpm: number;
  tpm: number;
  /** The provider's window; a rolling minute unless a test shortens it. */
  windowMs?: number;
  /**
   * Added to the window: the provider counts a call when it arrives, a moment after it left here
   * (`depart` re-stamps each entry then), so a window of exactly the provider's own would let a
   * call through just before the provider's slot is free. Production passes `RATE_WINDOW_MARGIN_MS`.
   */
  marginMs?: number;
  /** How long an admitted call may stay in flight before its slot is reclaimed (a crashed worker). */
  leaseMs?: number;
  /** The provider whose limits these are; unset for the first one (`rateRequests`' keys). */
  provider?: string;
}

export type CallOutcome = 'ok' | 'throttled' | 'error';

const ROLLING_MINUTE_MS = 60_000;

/** Once the congestion window grows this large, the cap is dropped again. */
const MAX_CWND = 256;

export class ModelRateLimiter {
  private readonly redis: RedisClient & LimiterCommands;
  private readonly windowMs: number;

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly limits: RateLimits,
  ) {
    redis.defineCommand('dtbotAcquire', { numberOfKeys: 4, lua: ACQUIRE });
    redis.defineCommand('dtbotRelease', { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand('dtbotCorrect', { numberOfKeys: 1, lua: CORRECT });
    redis.defineCommand('dtbotDepart', { numberOfKeys: 2, lua: DEPART });
    this.redis = redis as RedisClient & LimiterCommands;
    this.windowMs = (limits.windowMs ?? ROLLING_MINUTE_MS) + (limits.marginMs ?? 0);
  }

  /** 0 when a request of `tokens` may start now (and is counted), else how many ms to wait. */
  async acquire(id: string, tokens: number): Promise<number> {
    const cost = this.limits.tpm > 0 ? Math.min(tokens, this.limits.tpm) : tokens;
    return this.redis.dtbotAcquire(
      this.keys.rateRequests(this.limits.provider),
      this.keys.rateTokens(this.limits.provider),
      this.keys.rateCongestion(this.limits.provider),
      this.keys.rateInFlight(this.limits.provider),
      this.windowMs,
      this.limits.rpm,
      this.limits.tpm,
      cost,
      id,
      this.limits.leaseMs ?? 120_000,
    );
  }

  /**
   * The admitted call has just left: its window entries count from now. A call leaves up to a
   * second after its grant when the worker is fresh (the HTTP client loading, connections
   * opening, a burst of jobs starting at once); counted from the grant, such a call's slot would
   * free up to a second early and the provider, which counts it from its arrival, would answer the
   * call that took the slot 429.
   */
  async depart(id: string, tokens: number): Promise<void> {
    if (this.limits.rpm <= 0 && this.limits.tpm <= 0) return;
    const cost = this.limits.tpm > 0 ? Math.min(tokens, this.limits.tpm) : tokens;
    await this.redis.dtbotDepart(this.keys.rateRequests(this.limits.provider), this.keys.rateTokens(this.limits.provider), id, cost, this.windowMs);
  }

  /** Reports how an admitted call ended; a 429 (`throttled`) pauses everyone for `retryAfterMs`. */
  async release(id: string, outcome: CallOutcome, retryAfterMs = 0): Promise<void> {
    await this.redis.dtbotRelease(this.keys.rateCongestion(this.limits.provider), this.keys.rateInFlight(this.limits.provider), id, outcome, retryAfterMs, MAX_CWND);
  }

  /** After the call, the model's `usage` replaces the estimate. */
  async correct(id: string, estimated: number, actual: number): Promise<void> {
    if (this.limits.tpm <= 0 || estimated === actual) return;
    const cost = Math.min(estimated, this.limits.tpm);
    await this.redis.dtbotCorrect(this.keys.rateTokens(this.limits.provider), id, cost, actual);
  }
}
