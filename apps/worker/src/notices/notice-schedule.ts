import type { RedisClient, ShardKeys } from '@dtbot/shared';
import type { AnswerStart } from './drain-rate.js';

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

// KEYS: due, state, start log. ARGV: job id, state TTL ms, start entry ("startedAt waitingSince", ms), log length.
// 'sending': a notice is on its way; ask again once it has landed. Otherwise the answer may start: the notice is
// off the schedule and can no longer be claimed. The first start of a message goes into the start log (the drain
// rate); a retry's, or a start after a rate-limit hand-back, does not. The log is cut to its length as it grows,
// so it needs no expiry: as many commands per message as per-second counters with an expiry took.
const ANSWER_STARTED = `
local state = redis.call('GET', KEYS[2])
if state == 'sending' then return 'sending' end
local scheduled = redis.call('ZREM', KEYS[1], ARGV[1]) == 1
if state ~= 'started' then
  redis.call('SET', KEYS[2], 'started', 'PX', ARGV[2])
  redis.call('LPUSH', KEYS[3], ARGV[3])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
end
return 'go'
`;

/** Long enough for a notice's delivery (card calls wait up to 15 s for their budget); a crashed sender's claim ends. */
const SENDING_TTL_MS = 60_000;
/** A message's settled notice state outlives any wait it can have in a queue that is moving at all. */
const STATE_TTL_MS = 6 * 3600 * 1000;
/**
 * Starts kept for the drain rate: the whole last minute up to 4 starts a second, and at any pace enough drain
 * intervals (255) that their mean is within a few percent, spanning many answers even with dozens of slots. Read
 * once per sweep round that has notices to send (about 7 kB).
 */
export const START_LOG_LENGTH = 256;

export type NoticeOutcome = 'sent' | 'skipped';

interface NoticeCommands {
  dtbotTakeDueNotices(due: string, now: number, limit: number): Promise<string[]>;
  dtbotAnswerStarted(due: string, state: string, starts: string, jobId: string, stateTtlMs: number, entry: string, logLength: number): Promise<'sending' | 'go'>;
}

export class NoticeSchedule {
  private readonly redis: RedisClient & NoticeCommands;
  /**
   * When this process started its first answer: until then it had no slot taking messages, so a message waited
   * for it only from then on. Without this, a restart after every worker was down (a deploy) would count the
   * outage as one long drain interval.
   */
  private firstStartAt: number | undefined;

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
   * Marks the message's answer as started at `now`, its message having arrived at `receivedAt` (both epoch ms, for
   * the drain rate): `sending` while a notice to it is on its way (the caller waits and asks again), `go` otherwise.
   */
  answerStarted(jobId: string, now: number, receivedAt: number): Promise<'sending' | 'go'> {
    this.firstStartAt ??= now;
    const waitingSince = Math.max(receivedAt, this.firstStartAt);
    return this.redis.dtbotAnswerStarted(
      this.keys.noticeDue(),
      this.keys.notice(jobId),
      this.keys.answerStarts(),
      jobId,
      STATE_TTL_MS,
      `${Math.round(now)} ${Math.round(waitingSince)}`,
      START_LOG_LENGTH,
    );
  }

  /** The latest answer starts, newest first; an entry that does not read as two times is left out. */
  async recentStarts(): Promise<AnswerStart[]> {
    const entries = await this.redis.lrange(this.keys.answerStarts(), 0, START_LOG_LENGTH - 1);
    return entries.flatMap((entry) => {
      const [startedAt, waitingSince] = entry.split(' ').map(Number);
      return Number.isFinite(startedAt) && Number.isFinite(waitingSince) ? [{ startedAt: startedAt!, waitingSince: waitingSince! }] : [];
    });
  }
}
