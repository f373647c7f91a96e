import { jobIdLua } from '@dtbot/queue';
import type { RedisClient } from '../redis/create-redis.js';
import type { ShardKeys } from '../redis/keys.js';

/**
 * Per-conversation turns. The gateway numbers a conversation's messages (`nextMany`) just before
 * storing each one; a worker may answer message `seq` only when every earlier number is done or
 * skipped. Each script is one atomic step so a wake-up is never lost between "not my turn, I wait"
 * and "my turn is over, who waits?".
 *
 * Keys (all under the order key): seq (counter), done (highest finished number), skipped (set of
 * numbers that will never have a job), waiters (hash seq → job id of a job parked until its turn).
 * Every key is refreshed to `ttlMs` on each use so an idle conversation leaves nothing behind.
 */

// KEYS: the shard's notice schedule, then seq and load of each message, in pairs. ARGV: ttlMs, loadTtlMs, then
// each message's notice time (0 = none) and order key, in pairs.
// Returns {seq1, load1, seq2, load2, ...}: each message's number and how many messages of its
// conversation are now unanswered (itself included). Numbers are given in KEYS order, so messages
// numbered together keep the order they were passed in. A message with a notice time is scheduled for
// its queue notice under its job id, `jobIdFor(orderKey, seq)`.
const NEXT_TURNS = `
local out = {}
for m = 1, (#KEYS - 1) / 2 do
  local seqKey, loadKey = KEYS[2 * m], KEYS[2 * m + 1]
  local seq = redis.call('INCR', seqKey)
  redis.call('PEXPIRE', seqKey, ARGV[1])
  local load = redis.call('INCR', loadKey)
  redis.call('PEXPIRE', loadKey, ARGV[2])
  local noticeAt = tonumber(ARGV[2 * m + 1])
  if noticeAt > 0 then
    redis.call('ZADD', KEYS[1], noticeAt, ${jobIdLua('ARGV[2 * m + 2]', 'seq')})
  end
  out[2 * m - 1] = seq
  out[2 * m] = load
end
return out
`;

// Shared by the scripts below: moves `done` (as last read, or as just finished) past skipped numbers, stores it
// and refreshes the keys' TTL; returns the new done. Most conversations never skip a number, so the skipped set
// is walked only when it exists (`hasSkipped`, as the caller last saw it): one EXISTS, not an SREM that finds
// nothing and an EXISTS after it. `stored`: the value the done key already holds with a fresh TTL, if any, which
// is not stored again.
const ADVANCE = `
local function advanceFrom(done, hasSkipped, doneKey, skippedKey, ttl, stored)
  if hasSkipped then
    while redis.call('SREM', skippedKey, tostring(done + 1)) == 1 do
      done = done + 1
    end
    if redis.call('EXISTS', skippedKey) == 1 then redis.call('PEXPIRE', skippedKey, ttl) end
  end
  if done ~= stored then redis.call('SET', doneKey, done, 'PX', ttl) end
  return done
end
`;

// KEYS: done, skipped, waiters. ARGV: seq, jobId, ttlMs.
// Returns {1, done} when `seq` may run now (its turn, or a late job whose number was skipped),
// else registers the job as a waiter and returns {0, done}.
// The job next in line goes on one GET: skipped numbers matter only to a job further on, and the end of its
// turn stores done with a fresh TTL (and passes skipped numbers). Its entry among the waiters, if it had one, was
// taken by the end-turn that named it.
const CLAIM_TURN = `${ADVANCE}
local seq = tonumber(ARGV[1])
local done = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq <= done + 1 then return {1, done} end
local hasSkipped = redis.call('EXISTS', KEYS[2]) == 1
if hasSkipped then done = advanceFrom(done, true, KEYS[1], KEYS[2], ARGV[3]) end
if seq <= done + 1 then return {1, done} end
-- A conversation held up keeps its keys alive while its waiters come back to look.
if not hasSkipped then redis.call('SET', KEYS[1], done, 'PX', ARGV[3]) end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return {0, done}
`;

// KEYS: done, skipped, waiters, load. ARGV: seq, ttlMs, mode ('finish' | 'skip'), loadTtlMs.
// 'finish': the turn of `seq` is over. 'skip': `seq` will never have a job.
// The conversation's load drops once per number, however often its end is reported: one DECR, and a count that
// went below 0 (the key had expired, or stood at 0) is removed, as absent reads as 0. At 0 its TTL is left to
// run out: nothing is waiting to be counted.
// Returns the job id waiting for the next turn, if any, and takes it off the waiters: it is named once.
// Whether numbers were skipped and jobs wait is asked in one EXISTS of both keys: most conversations have
// neither, and then no waiter is looked up; only when one of them exists is the skipped set asked alone.
// A finish stores its number before it knows the last one (SET ... GET, Redis 6.2): most turns end in order,
// and then that one command both reads and stores done; otherwise the value read is put back.
const END_TURN = `${ADVANCE}
local seq = tonumber(ARGV[1])
local current
local stored
if ARGV[3] == 'finish' then
  current = tonumber(redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'GET') or '0')
  if seq == current + 1 then
    stored = seq
  else
    redis.call('SET', KEYS[1], current, 'PX', ARGV[2])
    stored = current
  end
else
  current = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local present = redis.call('EXISTS', KEYS[2], KEYS[3])
local hasSkipped = present == 2 or (present == 1 and redis.call('EXISTS', KEYS[2]) == 1)
local hasWaiters = present == 2 or (present == 1 and not hasSkipped)
local known = seq <= current or (hasSkipped and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1)
if not known then
  if ARGV[3] == 'finish' and seq == current + 1 then
    -- Stored already, with the TTL, by the SET ... GET above.
    current = seq
  else
    redis.call('SADD', KEYS[2], ARGV[1])
    hasSkipped = true
  end
  local load = redis.call('DECR', KEYS[4])
  if load < 0 then
    redis.call('DEL', KEYS[4])
  elseif load > 0 then
    redis.call('PEXPIRE', KEYS[4], ARGV[4])
  end
end
local done = advanceFrom(current, hasSkipped, KEYS[1], KEYS[2], ARGV[2], stored)
if not hasWaiters then return false end
local waiter = redis.call('HGET', KEYS[3], tostring(done + 1))
if waiter then redis.call('HDEL', KEYS[3], tostring(done + 1)) end
return waiter
`;

export interface TurnClaim {
  go: boolean;
  /** Highest finished sequence number; `done + 1` is the turn being waited for. */
  done: number;
}

interface TurnCommands {
  /** Variadic: the key count comes first. */
  dtbotNextTurns(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
  dtbotClaimTurn(done: string, skipped: string, waiters: string, seq: number, jobId: string, ttlMs: number): Promise<[number, number]>;
  dtbotEndTurn(
    done: string,
    skipped: string,
    waiters: string,
    load: string,
    seq: number,
    ttlMs: number,
    mode: string,
    loadTtlMs: number,
  ): Promise<string | null>;
}

export const ORDER_TTL_MS = 7 * 24 * 3600 * 1000;
/**
 * A conversation's load counter forgets itself after an hour without traffic, so a count left
 * high by jobs an operator deleted cannot hold the conversation back for long.
 */
export const LOAD_TTL_MS = 3600 * 1000;

/** What a message is numbered by: its memory/order key and the conversation whose load it adds to. */
export interface TurnSubject {
  orderKey: string;
  conversationKey: string;
  /**
   * When the message is told where it stands in the queue if its answer has not started by then (epoch ms);
   * absent for a message that gets no notice (a command, or notices are off).
   */
  noticeAt?: number;
}

export interface TurnNumber {
  seq: number;
  /** Unanswered messages of the conversation, this one included. */
  load: number;
}

/** Identifies a message's place: its memory/order key and the conversation whose load it adds to. */
export interface TurnRef extends TurnSubject {
  seq: number;
}

export class Turns {
  private readonly redis: RedisClient & TurnCommands;

  constructor(
    redis: RedisClient,
    private readonly keys: ShardKeys,
    private readonly ttlMs = ORDER_TTL_MS,
  ) {
    redis.defineCommand('dtbotNextTurns', { lua: NEXT_TURNS });
    redis.defineCommand('dtbotClaimTurn', { numberOfKeys: 3, lua: CLAIM_TURN });
    redis.defineCommand('dtbotEndTurn', { numberOfKeys: 4, lua: END_TURN });
    this.redis = redis as RedisClient & TurnCommands;
  }

  /**
   * Gives each message the next number of its order key, in the order given, and counts it in its
   * conversation's load: the gateway turns that load into the job's priority so a flooding group
   * cannot starve others. A message with a `noticeAt` is scheduled for its queue notice in the same step, so a
   * stored message is never left unscheduled. One round trip for all of them.
   */
  async nextMany(messages: readonly TurnSubject[]): Promise<TurnNumber[]> {
    // One pass, one array: this runs for every batch of callbacks.
    const keyCount = 1 + 2 * messages.length;
    const args: (string | number)[] = new Array(2 * keyCount + 1);
    args[0] = this.keys.noticeDue();
    args[keyCount] = this.ttlMs;
    args[keyCount + 1] = LOAD_TTL_MS;
    for (let i = 0; i < messages.length; i += 1) {
      const m = messages[i]!;
      args[1 + 2 * i] = this.keys.orderSeq(m.orderKey);
      args[2 + 2 * i] = this.keys.conversationLoad(m.conversationKey);
      args[keyCount + 2 + 2 * i] = m.noticeAt ?? 0;
      args[keyCount + 3 + 2 * i] = m.orderKey;
    }
    const flat = await this.redis.dtbotNextTurns(keyCount, ...args);
    const numbers: TurnNumber[] = new Array(messages.length);
    for (let i = 0; i < messages.length; i += 1) numbers[i] = { seq: flat[2 * i]!, load: flat[2 * i + 1]! };
    return numbers;
  }

  async claim(orderKey: string, seq: number, jobId: string): Promise<TurnClaim> {
    const [go, done] = await this.redis.dtbotClaimTurn(...this.turnKeys(orderKey), seq, jobId, this.ttlMs);
    return { go: go === 1, done };
  }

  /** Ends the turn of `seq` and returns the id of the job waiting for the next one, if any. */
  finish(ref: TurnRef): Promise<string | null> {
    return this.end(ref, 'finish');
  }

  /** Marks `seq` as one that will never have a job (a redelivery, a refused message). */
  skip(ref: TurnRef): Promise<string | null> {
    return this.end(ref, 'skip');
  }

  private end(ref: TurnRef, mode: 'finish' | 'skip'): Promise<string | null> {
    const load = this.keys.conversationLoad(ref.conversationKey);
    return this.redis.dtbotEndTurn(...this.turnKeys(ref.orderKey), load, ref.seq, this.ttlMs, mode, LOAD_TTL_MS);
  }

  private turnKeys(orderKey: string): [string, string, string] {
    return [this.keys.orderDone(orderKey), this.keys.orderSkipped(orderKey), this.keys.orderWaiters(orderKey)];
  }
}
