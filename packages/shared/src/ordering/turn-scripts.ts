import type { RedisClient } from '../redis/create-redis.js';
import type { RedisKeys } from '../redis/keys.js';

/**
 * Per-conversation turns. The gateway numbers a conversation's messages (`nextTurn`) just before
 * storing each one; a worker may answer message `seq` only when every earlier number is done or
 * skipped. Each script is one atomic step so a wake-up is never lost between "not my turn, I wait"
 * and "my turn is over, who waits?".
 *
 * Keys (all under the order key): seq (counter), done (highest finished number), skipped (set of
 * numbers that will never have a job), waiters (hash seq → job id of a job parked until its turn).
 * Every key is refreshed to `ttlMs` on each use so an idle conversation leaves nothing behind.
 */

// KEYS: seq. ARGV: ttlMs. Returns the new sequence number.
const NEXT_TURN = `
local seq = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return seq
`;

// Shared by the scripts below: moves `done` past skipped numbers; returns the new done.
const ADVANCE = `
local function advance(doneKey, skippedKey, ttl)
  local done = tonumber(redis.call('GET', doneKey) or '0')
  while redis.call('SREM', skippedKey, tostring(done + 1)) == 1 do
    done = done + 1
  end
  redis.call('SET', doneKey, done, 'PX', ttl)
  if redis.call('EXISTS', skippedKey) == 1 then redis.call('PEXPIRE', skippedKey, ttl) end
  return done
end
`;

// KEYS: done, skipped, waiters. ARGV: seq, jobId, ttlMs.
// Returns {1, done} when `seq` may run now (its turn, or a late job whose number was skipped),
// else registers the job as a waiter and returns {0, done}.
const CLAIM_TURN = `${ADVANCE}
local seq = tonumber(ARGV[1])
local done = advance(KEYS[1], KEYS[2], ARGV[3])
if seq <= done + 1 then
  redis.call('HDEL', KEYS[3], ARGV[1])
  return {1, done}
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return {0, done}
`;

// KEYS: done, skipped, waiters. ARGV: seq, ttlMs, mode ('finish' | 'skip').
// 'finish': the turn of `seq` is over. 'skip': `seq` will never have a job.
// Returns the job id waiting for the next turn, if any.
const END_TURN = `${ADVANCE}
local seq = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq > current then
  if ARGV[3] == 'finish' and seq == current + 1 then
    redis.call('SET', KEYS[1], seq, 'PX', ARGV[2])
  else
    redis.call('SADD', KEYS[2], ARGV[1])
  end
end
local done = advance(KEYS[1], KEYS[2], ARGV[2])
return redis.call('HGET', KEYS[3], tostring(done + 1))
`;

export interface TurnClaim {
  go: boolean;
  /** Highest finished sequence number; `done + 1` is the turn being waited for. */
  done: number;
}

interface TurnCommands {
  dtbotNextTurn(seqKey: string, ttlMs: number): Promise<number>;
  dtbotClaimTurn(done: string, skipped: string, waiters: string, seq: number, jobId: string, ttlMs: number): Promise<[number, number]>;
  dtbotEndTurn(done: string, skipped: string, waiters: string, seq: number, ttlMs: number, mode: string): Promise<string | null>;
}

export const ORDER_TTL_MS = 7 * 24 * 3600 * 1000;

export class Turns {
  private readonly redis: RedisClient & TurnCommands;

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly ttlMs = ORDER_TTL_MS,
  ) {
    redis.defineCommand('dtbotNextTurn', { numberOfKeys: 1, lua: NEXT_TURN });
    redis.defineCommand('dtbotClaimTurn', { numberOfKeys: 3, lua: CLAIM_TURN });
    redis.defineCommand('dtbotEndTurn', { numberOfKeys: 3, lua: END_TURN });
    this.redis = redis as RedisClient & TurnCommands;
  }

  /** Gives the next message of `orderKey` its number. */
  next(orderKey: string): Promise<number> {
    return this.redis.dtbotNextTurn(this.keys.orderSeq(orderKey), this.ttlMs);
  }

  async claim(orderKey: string, seq: number, jobId: string): Promise<TurnClaim> {
    const [go, done] = await this.redis.dtbotClaimTurn(...this.turnKeys(orderKey), seq, jobId, this.ttlMs);
    return { go: go === 1, done };
  }

  /** Ends the turn of `seq` and returns the id of the job waiting for the next one, if any. */
  finish(orderKey: string, seq: number): Promise<string | null> {
    return this.redis.dtbotEndTurn(...this.turnKeys(orderKey), seq, this.ttlMs, 'finish');
  }

  /** Marks `seq` as one that will never have a job (a redelivery, a refused message). */
  skip(orderKey: string, seq: number): Promise<string | null> {
    return this.redis.dtbotEndTurn(...this.turnKeys(orderKey), seq, this.ttlMs, 'skip');
  }

  private turnKeys(orderKey: string): [string, string, string] {
    return [this.keys.orderDone(orderKey), this.keys.orderSkipped(orderKey), this.keys.orderWaiters(orderKey)];
  }
}
