import type { RedisClient, RedisKeys } from '@dtbot/shared';

export interface AllSessionsLimitsOptions {
  questionsPerMinute: number;
  questionsPerDay: number;
}

export type AllSessionsVerdict = { allowed: true } | { allowed: false; limit: 'minute' | 'day'; retryAfterSeconds: number };

const DAY_MS = 86_400_000;

/**
 * The playground's limits across every session and every gateway, counted in Redis: questions per minute, and
 * questions per UTC day (the cap on the day's model calls). A question turned away by the minute's limit is not
 * counted against the day.
 */
export class AllSessionsLimits {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    readonly options: AllSessionsLimitsOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one question; says which limit it is past, and how long until that limit's window ends. */
  async count(): Promise<AllSessionsVerdict> {
    const minuteKey = this.keys.playgroundRateOfAll();
    const minute = await this.redis.multi().set(minuteKey, 0, 'EX', 60, 'NX').incr(minuteKey).ttl(minuteKey).exec();
    if (Number(minute?.[1]?.[1] ?? Infinity) > this.options.questionsPerMinute) {
      return { allowed: false, limit: 'minute', retryAfterSeconds: Math.max(1, Number(minute?.[2]?.[1] ?? 60)) };
    }
    const now = this.now();
    const dayKey = this.keys.playgroundDayOfAll(new Date(now).toISOString().slice(0, 10));
    // Kept a day past its own, so a gateway whose clock runs behind still finds the day it counts in.
    const day = await this.redis.multi().incr(dayKey).pexpire(dayKey, 2 * DAY_MS).exec();
    if (Number(day?.[0]?.[1] ?? Infinity) > this.options.questionsPerDay) {
      return { allowed: false, limit: 'day', retryAfterSeconds: Math.max(1, Math.ceil((DAY_MS - (now % DAY_MS)) / 1000)) };
    }
    return { allowed: true };
  }
}
