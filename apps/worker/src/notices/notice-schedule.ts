import type { RedisClient, ShardKeys } from '@dtbot/shared';

/**
 * Where each message's queue notice stands, in Redis, so that of every worker process exactly one tells a message
 * where it stands, once, and never after its answer started. The gateway schedules a message (`noticeDue`, by the
 * time it is due) as it numbers it; a worker's sweeper takes due messages (`takeDue`), claims each (`claim`: state
 * `sending`) and settles it (`sent` or `skipped`); the worker that starts the answer marks it `started`
 * (`answerStarted`), which a sweeper that has not claimed it yet respects, and waits while a notice is `sending`,
 * so a notice always arrives before the answer.
 */

// KEYS: due. ARGV: now, limit. Removes and returns the messages whose notice is due: each is taken by one sweeper.
const TAKE_DUE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #ids > 0 then redis.call('ZREM', KEYS[1], unpack(ids)) end
return ids
`;

// KEYS: due, state, this second's start count. ARGV: job id, state TTL ms, count TTL s.
// 'sending': a notice is on its way; ask again once it has landed. Otherwise the answer may start: the notice is
// off the schedule and can no longer be claimed. The first start of a message is counted in its second (the drain
// rate); a retry's, or a start after a rate-limit hand-back, is not.
const ANSWER_STARTED = `
local state = redis.call('GET', KEYS[2])
if state == 'sending' then return 'sending' end
local scheduled = redis.call('ZREM', KEYS[1], ARGV[1]) == 1
if state ~= 'started' then
  redis.call('SET', KEYS[2], 'started', 'PX', ARGV[2])
  redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
return 'go'
`;

/** Long enough for a notice's delivery (card calls wait up to 15 s for their budget); a crashed sender's claim ends. */
const SENDING_TTL_MS = 60_000;
/** A message's settled notice state outlives any wait it can have in a queue that is moving at all. */
const STATE_TTL_MS = 6 * 3600 * 1000;
/** Start counts are read over the last minute; kept a little longer. */
const STARTS_TTL_S = 120;

export type NoticeOutcome = 'sent' | 'skipped';

interface NoticeCommands {
  dtbotTakeDueNotices(due: string, now: number, limit: number): Promise<string[]>;
  dtbotAnswerStarted(due: string, state: string, starts: string, jobId: string, stateTtlMs: number, startsTtlS: number): Promise<'sending' | 'go'>;
}

export class NoticeSchedule {
  private readonly redis: RedisClient & NoticeCommands;

  constructor(
    redis: RedisClient,
    private readonly keys: ShardKeys,
  ) {
    redis.defineCommand('dtbotTakeDueNotices', { numberOfKeys: 1, lua: TAKE_DUE });
    redis.defineCommand('dtbotAnswerStarted', { numberOfKeys: 3, lua: ANSWER_STARTED });
    this.redis = redis as RedisClient & NoticeCommands;
  }

  /** Takes up to `limit` messages whose notice is due at `now`, off the schedule. */
  takeDue(now: number, limit: number): Promise<string[]> {
    return this.redis.dtbotTakeDueNotices(this.keys.noticeDue(), now, limit);
  }

  /** Puts a message back on the schedule (its job is about to start, or not readable now). */
  async reschedule(jobId: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.noticeDue(), at, jobId);
  }

  /** Claims a taken message's notice; false when its answer already started or another worker has it. */
  async claim(jobId: string): Promise<boolean> {
    return (await this.redis.set(this.keys.notice(jobId), 'sending', 'PX', SENDING_TTL_MS, 'NX')) === 'OK';
  }

  /** Gives a claimed notice up for now, so that the message may be claimed again when it is due again. */
  async release(jobId: string): Promise<void> {
    await this.redis.del(this.keys.notice(jobId));
  }

  async settle(jobId: string, outcome: NoticeOutcome): Promise<void> {
    await this.redis.set(this.keys.notice(jobId), outcome, 'PX', STATE_TTL_MS);
  }

  /**
   * Marks the message's answer as started, at `now` (its second's start count): `sending` while a notice to it is
   * on its way (the caller waits and asks again), `go` otherwise.
   */
  answerStarted(jobId: string, now: number): Promise<'sending' | 'go'> {
    const second = Math.floor(now / 1000);
    return this.redis.dtbotAnswerStarted(
      this.keys.noticeDue(),
      this.keys.notice(jobId),
      this.keys.answerStarts(second),
      jobId,
      STATE_TTL_MS,
      STARTS_TTL_S,
    );
  }

  /** Answers started in each of the seconds `from` … `to` (epoch seconds, inclusive). */
  async startsPerSecond(from: number, to: number): Promise<number[]> {
    if (to < from) return [];
    const keys = Array.from({ length: to - from + 1 }, (_, i) => this.keys.answerStarts(from + i));
    return (await this.redis.mget(...keys)).map((count) => Number(count ?? 0));
  }
}
