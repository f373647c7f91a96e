import type { RedisClient } from '@dtbot/shared';

export interface LockoutPolicy {
  /** Failed logins from one address within the window after which it is locked out. */
  maxFailures: number;
  /** The window, counted from the first failure; the lockout lasts until it ends. */
  windowSeconds: number;
}

/** Five wrong passwords from one address lock it out for the rest of 15 minutes. */
export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowSeconds: 900 };

export interface FailureState {
  failures: number;
  /** Seconds until this address may try again; 0 when it may now. */
  lockedForSeconds: number;
}

/**
 * What became of one login: `locked` when the address was already past the limit (the credentials' outcome is
 * withheld, right or wrong), `accepted` for right credentials, `refused` for wrong ones, counted.
 */
export type LoginVerdict =
  | { outcome: 'locked'; lockedForSeconds: number }
  | { outcome: 'accepted' }
  | { outcome: 'refused'; failures: number; lockedForSeconds: number };

// One step in Redis: look at the count, then clear it (right) or add to it (wrong), so that logins sent in parallel
// are judged as if they had come one after the other. KEYS[1] the address's counter; ARGV maxFailures, window
// seconds, 1 when the credentials matched. Answers {verdict, failures, ttl}: verdict 0 locked, 1 accepted, 2 refused.
const JUDGE = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then return {0, failures, redis.call('TTL', KEYS[1])} end
if ARGV[3] == '1' then
  if failures > 0 then redis.call('DEL', KEYS[1]) end
  return {1, 0, 0}
end
failures = redis.call('INCR', KEYS[1])
if failures == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {2, failures, redis.call('TTL', KEYS[1])}
`;

interface JudgeCommand {
  dtbotDashboardLogin(key: string, maxFailures: number, windowSeconds: number, matched: '0' | '1'): Promise<[number, number, number]>;
}

/**
 * Failed dashboard logins per client address, kept in Redis so that every gateway replica sees the same count: an
 * attacker cannot multiply their guesses by the number of replicas behind a load balancer.
 *
 * The lockout check and the count are one script. Reading the count first and recording the failure afterwards let
 * every guess of a parallel burst pass the read before any of them was recorded; here the outcome of at most
 * maxFailures wrong guesses per window is ever told, and a right password that comes after them is locked out too.
 */
export class AuthFailures {
  private readonly redis: RedisClient & JudgeCommand;

  constructor(
    redis: RedisClient,
    private readonly keyFor: (address: string) => string,
    readonly policy: LockoutPolicy = DEFAULT_LOCKOUT,
  ) {
    redis.defineCommand('dtbotDashboardLogin', { numberOfKeys: 1, lua: JUDGE });
    this.redis = redis as RedisClient & JudgeCommand;
  }

  /** For a request without credentials: nothing is judged, so nothing is counted. */
  async read(address: string): Promise<FailureState> {
    const key = this.keyFor(address);
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.ttl(key)]);
    const failures = Number(count ?? 0);
    return { failures, lockedForSeconds: failures >= this.policy.maxFailures ? Math.max(ttl, 1) : 0 };
  }

  /** Judges a login whose credentials did or did not match; the window starts with the first failure. */
  async judge(address: string, matched: boolean): Promise<LoginVerdict> {
    const { maxFailures, windowSeconds } = this.policy;
    const [verdict, failures, ttl] = await this.redis.dtbotDashboardLogin(this.keyFor(address), maxFailures, windowSeconds, matched ? '1' : '0');
    if (verdict === 0) return { outcome: 'locked', lockedForSeconds: Math.max(ttl, 1) };
    if (verdict === 1) return { outcome: 'accepted' };
    return { outcome: 'refused', failures, lockedForSeconds: failures >= maxFailures ? Math.max(ttl, 1) : 0 };
  }
}
