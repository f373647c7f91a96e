import type { RedisClient, RedisKeys } from '@dtbot/shared';

/**
 * One sliding 60-second window for all workers together, in Redis: at most `rpm` model requests
 * start and at most `tpm` tokens are spent in any rolling minute. Time is Redis' own clock, so
 * workers on machines with skewed clocks still agree.
 */

// KEYS: requests zset, tokens zset. ARGV: windowMs, rpm, tpm, tokens, id.
// Members of the tokens zset are "<id>|<tokens>". Returns 0 when granted, else ms to wait.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, rpm, tpm, tokens = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
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
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], window)
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

interface LimiterCommands {
  dtbotAcquire(requests: string, tokens: string, windowMs: number, rpm: number, tpm: number, cost: number, id: string): Promise<number>;
  dtbotCorrect(tokens: string, id: string, estimated: number, actual: number): Promise<number>;
}

export interface RateLimits {
  rpm: number;
  tpm: number;
  windowMs?: number;
}

export class ModelRateLimiter {
  private readonly redis: RedisClient & LimiterCommands;
  private readonly windowMs: number;

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly limits: RateLimits,
  ) {
    redis.defineCommand('dtbotAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('dtbotCorrect', { numberOfKeys: 1, lua: CORRECT });
    this.redis = redis as RedisClient & LimiterCommands;
    this.windowMs = limits.windowMs ?? 60_000;
  }

  get enabled(): boolean {
    return this.limits.rpm > 0 || this.limits.tpm > 0;
  }

  /** 0 when a request of `tokens` may start now (and is counted), else how many ms to wait. */
  async acquire(id: string, tokens: number): Promise<number> {
    if (!this.enabled) return 0;
    const cost = this.limits.tpm > 0 ? Math.min(tokens, this.limits.tpm) : tokens;
    return this.redis.dtbotAcquire(this.keys.rateRequests(), this.keys.rateTokens(), this.windowMs, this.limits.rpm, this.limits.tpm, cost, id);
  }

  /** After the call, the model's `usage` replaces the estimate. */
  async correct(id: string, estimated: number, actual: number): Promise<void> {
    if (this.limits.tpm <= 0 || estimated === actual) return;
    const cost = Math.min(estimated, this.limits.tpm);
    await this.redis.dtbotCorrect(this.keys.rateTokens(), id, cost, actual);
  }
}
