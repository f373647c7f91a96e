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
 * Failed dashboard logins per client address, kept in Redis so that every gateway replica sees the same count: an
 * attacker cannot multiply their guesses by the number of replicas behind a load balancer.
 */
export class AuthFailures {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyFor: (address: string) => string,
    readonly policy: LockoutPolicy = DEFAULT_LOCKOUT,
  ) {}

  async read(address: string): Promise<FailureState> {
    const key = this.keyFor(address);
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.ttl(key)]);
    const failures = Number(count ?? 0);
    return { failures, lockedForSeconds: failures >= this.policy.maxFailures ? Math.max(ttl, 1) : 0 };
  }

  /** Counts one failure; the window starts with the first one and is not extended by later ones. */
  async record(address: string): Promise<FailureState> {
    const key = this.keyFor(address);
    const results = await this.redis.multi().incr(key).expire(key, this.policy.windowSeconds, 'NX').ttl(key).exec();
    const failures = Number(results?.[0]?.[1] ?? 0);
    const ttl = Number(results?.[2]?.[1] ?? this.policy.windowSeconds);
    return { failures, lockedForSeconds: failures >= this.policy.maxFailures ? Math.max(ttl, 1) : 0 };
  }

  async clear(address: string): Promise<void> {
    await this.redis.del(this.keyFor(address));
  }
}
