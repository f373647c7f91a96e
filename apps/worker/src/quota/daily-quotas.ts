import type { RedisClient, RedisKeys } from '@dtbot/shared';
import { countedAs, type CountedAsker } from '../counting/counted-as.js';
import { localDay } from '../counting/local-day.js';

// KEYS: users (hash user → count), groups (hash group → count), names (hash id → display name),
// counted (this job's mark: the day it was counted, or 'refunded').
// ARGV: user, group ('' in a private chat), userLimit, groupLimit (0 = none), day, dayTtlSeconds,
//       userName, groupName.
// Returns {1} when the question may be asked (counted now, or already counted by an earlier attempt of
// the same job), {0, 'user' | 'group'} when a quota is used up (nothing counted, no mark left). A count is read
// only where a limit is set: with none, HINCRBY alone counts the question. The mark is set first (SET NX, one
// command where GET and SET were two) and taken back if a quota refuses. A day's hash gets its expiry when a
// field is added to it, as it may then be new; a hash that already had the field has it.
const TAKE = `
local fresh = redis.call('SET', KEYS[4], ARGV[5], 'NX', 'EX', ARGV[6])
if not fresh and redis.call('GET', KEYS[4]) ~= 'refunded' then return {1} end
local userLimit, groupLimit = tonumber(ARGV[3]), tonumber(ARGV[4])
local refused
if userLimit > 0 and tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') >= userLimit then
  refused = 'user'
elseif ARGV[2] ~= '' and groupLimit > 0 and tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0') >= groupLimit then
  refused = 'group'
end
if refused then
  if fresh then redis.call('DEL', KEYS[4]) end
  return {0, refused}
end
if redis.call('HINCRBY', KEYS[1], ARGV[1], 1) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[6]) end
if redis.call('HSET', KEYS[3], ARGV[1], ARGV[7]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end
if ARGV[2] ~= '' then
  if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[6]) end
  if redis.call('HSET', KEYS[3], ARGV[2], ARGV[8]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end
end
-- Counted again after it was given back: the mark says so.
if not fresh then redis.call('SET', KEYS[4], ARGV[5], 'EX', ARGV[6]) end
return {1}
`;

// KEYS: users, groups, counted (as for TAKE). ARGV: user, group ('' in a private chat), day.
// Gives back what this job counted today, once: returns 1 when something was given back, else 0
// (never counted, counted on another day, or already given back).
const REFUND = `
if redis.call('GET', KEYS[3]) ~= ARGV[3] then return 0 end
if tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') > 0 then redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end
if ARGV[2] ~= '' and tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0') > 0 then
  redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
end
redis.call('SET', KEYS[3], 'refunded', 'KEEPTTL')
return 1
`;

/** Long enough for a day in any zone to be over, and for /usage to read it until then. */
const DAY_TTL_SECONDS = 2 * 86_400;

interface QuotaCommands {
  dtbotTakeQuota(...args: (string | number)[]): Promise<[number, ('user' | 'group')?]>;
  dtbotRefundQuota(...args: (string | number)[]): Promise<number>;
}

export interface QuotaLimits {
  /** Questions per user and day (`QUOTA_USER_DAILY`); 0 = unlimited. */
  userDaily: number;
  /** Questions per group and day (`QUOTA_GROUP_DAILY`); 0 = unlimited. */
  groupDaily: number;
  /** The zone whose midnight starts a new day (`QUOTA_TIMEZONE`). */
  timeZone: string;
}

export type QuotaDecision =
  | { allowed: true }
  | { allowed: false; scope: 'user' | 'group'; limit: number; msToReset: number };

export type Asker = CountedAsker;

export interface QuotaLeft {
  /** Questions left today for the user, and for the group in a group chat; `undefined` = unlimited. */
  user: number | undefined;
  group: number | undefined;
}

export interface DayUsage {
  day: string;
  /** Questions counted per user and per group today, most first, with the name last seen. */
  users: { id: string; name: string; count: number }[];
  groups: { id: string; name: string; count: number }[];
}

/**
 * Daily question quotas per user and per group, per robot, in Redis: every worker counts into the
 * same hashes, one per day in `QUOTA_TIMEZONE`, which expire by themselves. A question is counted
 * once per job whatever its attempts (a mark per job says it was counted), checked and counted in
 * one script so two workers cannot both take the last question. Everyone's questions are counted
 * (so `/usage` sees them) even with no limit set; admins and VIPs are exempt and not counted at all.
 */
export class DailyQuotas {
  private readonly redis: RedisClient & QuotaCommands;

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    readonly limits: QuotaLimits,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('dtbotTakeQuota', { numberOfKeys: 4, lua: TAKE });
    redis.defineCommand('dtbotRefundQuota', { numberOfKeys: 3, lua: REFUND });
    this.redis = redis as RedisClient & QuotaCommands;
  }

  /** Counts this job's question against today's quotas, or says which one is used up and when it resets. */
  async take(jobId: string, asker: Asker): Promise<QuotaDecision> {
    const { day, msToMidnight } = localDay(this.limits.timeZone, this.now());
    const { user, group, userName, groupName } = countedAs(asker);
    const [allowed, scope] = await this.redis.dtbotTakeQuota(
      ...this.dayKeys(asker.robotCode, day),
      this.keys.quotaCounted(jobId),
      user,
      group,
      this.limits.userDaily,
      this.limits.groupDaily,
      day,
      DAY_TTL_SECONDS,
      userName,
      groupName,
    );
    if (allowed === 1) return { allowed: true };
    const byUser = scope === 'user';
    return { allowed: false, scope: byUser ? 'user' : 'group', limit: byUser ? this.limits.userDaily : this.limits.groupDaily, msToReset: msToMidnight };
  }

  /**
   * Gives back today's count of a job whose answer failed for good: the asker got an apology, not an
   * answer. Safe to call for any job (one never counted, or already given back, is left alone).
   */
  async refund(jobId: string, asker: Asker): Promise<void> {
    const { day } = localDay(this.limits.timeZone, this.now());
    const { user, group } = countedAs(asker);
    const [users, groups] = this.dayKeys(asker.robotCode, day);
    await this.redis.dtbotRefundQuota(users, groups, this.keys.quotaCounted(jobId), user, group, day);
  }

  /** What the asker has left today (for `/settings`). */
  async left(asker: Asker): Promise<QuotaLeft> {
    const { day } = localDay(this.limits.timeZone, this.now());
    const { user, group } = countedAs(asker);
    const [users, groups] = this.dayKeys(asker.robotCode, day);
    const [userCount, groupCount] = await Promise.all([
      this.redis.hget(users, user),
      group ? this.redis.hget(groups, group) : Promise.resolve(null),
    ]);
    const left = (limit: number, used: string | null) => (limit > 0 ? Math.max(0, limit - Number(used ?? 0)) : undefined);
    return { user: left(this.limits.userDaily, userCount), group: group ? left(this.limits.groupDaily, groupCount) : undefined };
  }

  /** Today's counts of one robot (for `/usage`). */
  async today(robotCode: string): Promise<DayUsage> {
    const { day } = localDay(this.limits.timeZone, this.now());
    const [users, groups, names] = this.dayKeys(robotCode, day);
    const [userCounts, groupCounts, nameOf] = await Promise.all([
      this.redis.hgetall(users),
      this.redis.hgetall(groups),
      this.redis.hgetall(names),
    ]);
    const rows = (counts: Record<string, string>) =>
      Object.entries(counts)
        .map(([id, count]) => ({ id, name: nameOf[id] ?? id, count: Number(count) }))
        .filter((row) => row.count > 0)
        .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
    return { day, users: rows(userCounts), groups: rows(groupCounts) };
  }

  private dayKeys(robotCode: string, day: string): [string, string, string] {
    return [this.keys.quotaUsers(robotCode, day), this.keys.quotaGroups(robotCode, day), this.keys.quotaNames(robotCode, day)];
  }
}
