import type { RedisClient, RedisKeys } from '@dtbot/shared';

// KEYS: calls zset (member = call id, score = ms granted), paused key (ms until which nobody calls).
// ARGV: limit (calls this one may find in the window before it), windowMs, call id.
// Returns 0 when the call may go now (it is counted), else the ms to wait.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return paused - now end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0
`;

// KEYS: paused key. ARGV: ms. Nobody calls for the next ms (a longer pause already set stays).
// Returns the ms until calls may go again.
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= untilMs then return current - now end
redis.call('SET', KEYS[1], untilMs, 'PX', ARGV[1])
return untilMs - now
`;

// KEYS: calls zset. ARGV: call id. A granted call is counted from when it left instead of from its
// grant (no-op once it has left the window). Returns 1 when restamped.
const DEPART = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now, ARGV[1])
`;

interface BudgetCommands {
  dtbotCardTake(calls: string, paused: string, limit: number, windowMs: number, id: string): Promise<number>;
  dtbotCardPause(paused: string, ms: number): Promise<number>;
  dtbotCardDepart(calls: string, id: string): Promise<number>;
}

/** A slot asked for: `waitMs` 0 = granted (counted as `callId`), else how long until one may free up. */
export interface CardCallSlot {
  waitMs: number;
  callId: string;
}

/**
 * How much of the budget a call may use. `required` (creating and finishing cards) and `first` (a card's
 * first draft: the card shows nothing yet) may use all of it; `optional` (a later draft: the card
 * already shows words, the next draft carries them) only its share. Drafts, first or not, may be dropped.
 */
export type CallNeed = 'required' | 'first' | 'optional';

/**
 * Card API calls per second for one robot app, all workers together. DingTalk allows an app about 40; half of that
 * leaves the rest to the app's other callers and to DingTalk counting a burst a little tighter than we do, and it
 * kept 20 cards streaming at once under the limit with words on each before its end (bench scenario 12).
 */
export const CARD_CALLS_PER_SECOND = 20;

export interface CardCallBudgetOptions {
  /** Calls per second for one app, all workers together (`CARD_CALLS_PER_SECOND`). */
  qps: number;
}

/**
 * A second is counted a little long: DingTalk counts a call when it arrives, a moment after we
 * granted it, so a window of exactly one second would let calls granted 1000 ms apart arrive
 * closer than that.
 */
export const CARD_WINDOW_MS = 1100;

/**
 * Later drafts leave this share of the second to the rest (creating and finishing cards, first drafts),
 * so a crowd of streaming cards can keep neither a new card from being created nor a card that shows
 * nothing yet from showing its first words: with 20 cards streaming at once, first drafts that had to win a
 * slot against the later drafts of cards already showing words came up to 2.2-3.2 s after the model's first token
 * (bench scenario 12), about 1 s once they could use the whole budget.
 */
const OPTIONAL_SHARE = 0.75;

/**
 * The card API's calls per second for one app, shared by every worker through Redis (one sliding
 * window, Redis' own clock), and the shared pause after DingTalk answered `QpsLimit` anyway. A
 * granted call is counted again from the moment it leaves (`depart`): a call held up after its
 * grant (an access token fetched first, a pause of the event loop) would otherwise arrive at
 * DingTalk closer to the calls after it than the window allows.
 */
export class CardCallBudget {
  private readonly redis: RedisClient & BudgetCommands;
  private sequence = 0;
  private readonly instance = Math.random().toString(36).slice(2, 10);

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: CardCallBudgetOptions,
  ) {
    redis.defineCommand('dtbotCardTake', { numberOfKeys: 2, lua: TAKE });
    redis.defineCommand('dtbotCardPause', { numberOfKeys: 1, lua: PAUSE });
    redis.defineCommand('dtbotCardDepart', { numberOfKeys: 1, lua: DEPART });
    this.redis = redis as RedisClient & BudgetCommands;
  }

  /** A slot for a call of `appKey` now (counted), or how many ms to wait for one. */
  async take(appKey: string, need: CallNeed): Promise<CardCallSlot> {
    const { qps } = this.options;
    const limit = need === 'optional' ? Math.max(1, Math.floor(qps * OPTIONAL_SHARE)) : qps;
    this.sequence += 1;
    const callId = `${this.instance}.${this.sequence}`;
    const waitMs = await this.redis.dtbotCardTake(this.keys.cardCalls(appKey), this.keys.cardCallsPaused(appKey), limit, CARD_WINDOW_MS, callId);
    return { waitMs, callId };
  }

  /** The granted call `callId` leaves now: the window counts it from here. */
  async depart(appKey: string, callId: string): Promise<void> {
    await this.redis.dtbotCardDepart(this.keys.cardCalls(appKey), callId);
  }

  /** Every worker holds back the calls of `appKey` for `ms` (DingTalk throttled them); returns the wait. */
  async pause(appKey: string, ms: number): Promise<number> {
    return this.redis.dtbotCardPause(this.keys.cardCallsPaused(appKey), ms);
  }
}
