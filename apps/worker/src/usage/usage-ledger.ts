import type { RedisClient, RedisKeys } from '@dtbot/shared';
import { countedAs, type CountedAsker } from '../counting/counted-as.js';
import { daysEndingOn, localDay } from '../counting/local-day.js';
import { addDay, addPackedDay, NANO_USD, ranked, sumOf, type UsageRow, type UsageTotals } from './usage-totals.js';

// KEYS: day (the robot's hash of the day), spent (the day's spend per robot), counted (this call's mark).
// ARGV: model, user, group ('' in a private chat), userName, groupName, robotCode, tokensIn, tokensOut, images,
//       costNano (-1 = no price known), expireAt (unix seconds), countedTtlSeconds.
// Returns 1 when the call was recorded, 0 when it had been already (the script ran twice).
// Each row (model, user, group) is one field of six figures, read and written back whole: one HMGET and one HSET
// for every row and name together, where a counter per figure took up to six HINCRBY per row. A row is summed as
// Lua numbers, exact to 2^53 like the reader's (nano-dollars: 9 million dollars a row and day). A key that
// already holds one of the rows, or a spend field that was there, has its expiry already: a key is only ever
// created by this script, which sets it then.
const RECORD = `
if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[12]) then return 0 end
local priced = ARGV[10] ~= '-1'
local images = tonumber(ARGV[9])
local add = {
  tonumber(ARGV[7]), tonumber(ARGV[8]), images == 0 and 1 or 0, images,
  priced and tonumber(ARGV[10]) or 0, priced and 0 or 1,
}
local fields = {'m|' .. ARGV[1], 'u|' .. ARGV[2]}
if ARGV[3] ~= '' then fields[3] = 'g|' .. ARGV[3] end
local rows = redis.call('HMGET', KEYS[1], unpack(fields))
local writes = {}
local existed = false
for i, field in ipairs(fields) do
  local sums = {0, 0, 0, 0, 0, 0}
  if rows[i] then
    existed = true
    local j = 1
    for figure in string.gmatch(rows[i], '%S+') do
      sums[j] = tonumber(figure)
      j = j + 1
    end
  end
  for j = 1, 6 do sums[j] = sums[j] + add[j] end
  writes[#writes + 1] = field
  writes[#writes + 1] = string.format('%d %d %d %d %d %d', sums[1], sums[2], sums[3], sums[4], sums[5], sums[6])
end
writes[#writes + 1] = 'n|' .. ARGV[2]
writes[#writes + 1] = ARGV[4]
if ARGV[3] ~= '' then
  writes[#writes + 1] = 'n|' .. ARGV[3]
  writes[#writes + 1] = ARGV[5]
end
redis.call('HSET', KEYS[1], unpack(writes))
if not existed then redis.call('EXPIREAT', KEYS[1], ARGV[11]) end
if priced and ARGV[10] ~= '0' then
  if redis.call('HINCRBY', KEYS[2], ARGV[6], ARGV[10]) == tonumber(ARGV[10]) then redis.call('EXPIREAT', KEYS[2], ARGV[11]) end
end
return 1
`;

/** A job's calls are recorded once each for as long as its kept answer lives; a retry after that asks (and pays) again. */
const COUNTED_TTL_SECONDS = 86_400;

interface LedgerCommands {
  dtbotRecordUsage(...args: (string | number)[]): Promise<number>;
}

/** What one model call used and cost. */
export interface Spend {
  /** The model called (chat or images). */
  model: string;
  tokensIn: number;
  tokensOut: number;
  /** Pictures generated; 0 for a chat call. */
  images: number;
  /** Estimated cost in US dollars; `undefined` when no price is known for the model. */
  costUsd: number | undefined;
}

/** Today's estimated spend: the robot's own and every robot's together, and when the day ends. */
export interface SpentToday {
  robotUsd: number;
  allUsd: number;
  msToMidnight: number;
}

export interface UsagePeriod {
  /** The local days covered, oldest first. */
  days: string[];
  total: UsageTotals;
  /** Each most first (by cost, then tokens). */
  models: UsageRow[];
  users: UsageRow[];
  groups: UsageRow[];
}

export interface UsageSettings {
  /** Days a day's figures are kept after it ends (`USAGE_RETENTION_DAYS`). */
  retentionDays: number;
  /** The zone whose midnight starts a new day (`QUOTA_TIMEZONE`). */
  timeZone: string;
}

/**
 * Token usage and estimated cost per robot, model, user and group, one set of hashes per robot and
 * local day, in Redis: every worker adds to the same figures, and they expire by themselves
 * `retentionDays` after their day ends. A call is recorded by one script (one round trip, whatever
 * it touches: 4 Redis commands for a call that is not priced, 5 with a price), under an id of its own, so a script run twice (ioredis sends a command again after a
 * lost connection) counts nothing twice. Everyone is counted, admins and VIPs too: their calls cost
 * the same.
 */
export class UsageLedger {
  private readonly redis: RedisClient & LedgerCommands;

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    readonly settings: UsageSettings,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('dtbotRecordUsage', { numberOfKeys: 3, lua: RECORD });
    this.redis = redis as RedisClient & LedgerCommands;
  }

  /** Adds one call's usage to today's figures; `false` when this call was recorded already. */
  async record(jobId: string, callId: string, asker: CountedAsker, spend: Spend): Promise<boolean> {
    const now = this.now();
    const { day, msToMidnight } = localDay(this.settings.timeZone, now);
    const { user, group, userName, groupName } = countedAs(asker);
    const expireAt = Math.ceil((now + msToMidnight) / 1000) + this.settings.retentionDays * 86_400;
    const costNano = spend.costUsd === undefined ? -1 : Math.round(spend.costUsd * NANO_USD);
    const recorded = await this.redis.dtbotRecordUsage(
      this.keys.usageDay(asker.robotCode, day),
      this.keys.usageSpent(day),
      this.keys.usageCounted(jobId, callId),
      spend.model,
      user,
      group,
      userName,
      groupName,
      asker.robotCode,
      Math.max(0, Math.round(spend.tokensIn)),
      Math.max(0, Math.round(spend.tokensOut)),
      spend.images,
      costNano,
      expireAt,
      COUNTED_TTL_SECONDS,
    );
    return recorded === 1;
  }

  /** What today's calls are estimated to have cost, for the daily budgets: one read. */
  async spentToday(robotCode: string): Promise<SpentToday> {
    const { day, msToMidnight } = localDay(this.settings.timeZone, this.now());
    const spent = await this.redis.hgetall(this.keys.usageSpent(day));
    let allNano = 0;
    for (const value of Object.values(spent)) allNano += Number(value);
    return { robotUsd: Number(spent[robotCode] ?? 0) / NANO_USD, allUsd: allNano / NANO_USD, msToMidnight };
  }

  /** Every robot's spend today (for the budget gauges). */
  async spentTodayByRobot(): Promise<Record<string, number>> {
    const { day } = localDay(this.settings.timeZone, this.now());
    const spent = await this.redis.hgetall(this.keys.usageSpent(day));
    return Object.fromEntries(Object.entries(spent).map(([robot, nano]) => [robot, Number(nano) / NANO_USD]));
  }

  /**
   * One robot's figures for today and for the `days` days that end today, read in one round trip: each day's hash,
   * and its hashes of the layout before, which a day recorded while workers were upgraded holds part of.
   */
  async report(robotCode: string, days: number): Promise<{ today: UsagePeriod; period: UsagePeriod }> {
    const { day } = localDay(this.settings.timeZone, this.now());
    const covered = daysEndingOn(day, days);
    const pipeline = this.redis.pipeline();
    for (const date of covered) for (const key of this.dayKeys(robotCode, date)) pipeline.hgetall(key);
    const results = (await pipeline.exec()) ?? [];
    const hashes = results.map(([error, value]) => {
      if (error) throw error;
      return value as Record<string, string>;
    });
    const dayAt = (index: number) => hashes.slice(index * 5, index * 5 + 5) as DayHashes;
    const periodOf = (indexes: number[]): UsagePeriod => {
      const models = new Map<string, UsageTotals>();
      const users = new Map<string, UsageTotals>();
      const groups = new Map<string, UsageTotals>();
      const names: Record<string, string> = {};
      // Oldest first, so the latest name seen wins (of one day, the current layout's).
      for (const index of indexes) {
        const [dayHash, modelHash, userHash, groupHash, nameHash] = dayAt(index);
        addDay(models, modelHash);
        addDay(users, userHash);
        addDay(groups, groupHash);
        Object.assign(names, nameHash);
        addPackedDay({ m: models, u: users, g: groups }, names, dayHash);
      }
      return {
        days: indexes.map((index) => covered[index]!),
        total: sumOf(models.values()),
        models: ranked(models),
        users: ranked(users, names),
        groups: ranked(groups, names),
      };
    };
    return { today: periodOf([covered.length - 1]), period: periodOf(covered.map((_, index) => index)) };
  }

  /** A day's hash, then the hashes of the layout before it (models, users, groups, names). */
  private dayKeys(robotCode: string, day: string): [string, string, string, string, string] {
    return [
      this.keys.usageDay(robotCode, day),
      this.keys.usageModels(robotCode, day),
      this.keys.usageUsers(robotCode, day),
      this.keys.usageGroups(robotCode, day),
      this.keys.usageNames(robotCode, day),
    ];
  }
}

type DayHashes = [Record<string, string>, Record<string, string>, Record<string, string>, Record<string, string>, Record<string, string>];
