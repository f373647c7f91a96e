import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@dtbot/shared';
import { redisUrlForTests } from '@dtbot/testkit';
import { ProviderCircuits, type CircuitOptions } from '../src/model/providers/provider-circuits.js';
import { useTestRedis } from './test-redis.js';

// Real Redis. Two instances on two connections stand for two worker processes. A cool-down's end
// is reached by moving its `openUntil` into the past, as the rate limiter's test moves a grant.
const test = useTestRedis('circuits');
let other: Redis;
beforeAll(() => {
  other = new Redis(redisUrlForTests());
});
afterAll(async () => {
  await other.quit();
});

const options: CircuitOptions = { failureThreshold: 3, cooldownMs: 60_000, probeLeaseMs: 30_000, maxWaitMs: 10_000 };
const PROVIDERS = ['primary', 'fallback'];

function twoWorkers(label: string) {
  const keys = redisKeys(`${test.prefix}-${label}`);
  return {
    keys,
    a: new ProviderCircuits(test.redis, keys, options),
    b: new ProviderCircuits(other, keys, options),
    endCooldown: (provider: string) => test.redis.hset(keys.providerCircuit(provider), 'openUntil', 1),
  };
}

describe('ProviderCircuits', () => {
  it('opens after the threshold of consecutive failures counted by every worker together, and then every worker uses the next', async () => {
    const { a, b } = twoWorkers('threshold');
    expect(await a.choose(PROVIDERS, 'p1')).toEqual({ provider: 'primary', probe: undefined });
    expect(await a.report('primary', 'failure', undefined)).toBe('');
    expect(await b.report('primary', 'failure', undefined)).toBe('');
    expect(await a.report('primary', 'failure', undefined)).toBe('opened');
    // A call that was in flight when it opened and fails later changes nothing more.
    expect(await b.report('primary', 'failure', undefined)).toBe('open');
    expect(await b.choose(PROVIDERS, 'p2')).toEqual({ provider: 'fallback', probe: undefined });
    expect(await a.states(PROVIDERS)).toEqual({ primary: 'open', fallback: 'closed' });
  });

  it('counts only consecutive failures: a success in between starts the count again', async () => {
    const { a, b } = twoWorkers('consecutive');
    for (const verdict of ['failure', 'failure', 'ok', 'failure', 'failure'] as const) await a.report('primary', verdict, undefined);
    expect(await b.choose(PROVIDERS, 'p')).toEqual({ provider: 'primary', probe: undefined });
    expect(await b.report('primary', 'failure', undefined)).toBe('opened');
  });

  it('opens at once on a trip, for the wait it asked when longer than the cool-down', async () => {
    const { a, keys } = twoWorkers('trip');
    expect(await a.report('primary', 'trip', undefined, 120_000)).toBe('opened');
    const now = Number((await test.redis.time())[0]) * 1000;
    const openUntil = Number(await test.redis.hget(keys.providerCircuit('primary'), 'openUntil'));
    expect(openUntil - now).toBeGreaterThan(110_000);
  });

  it('lets one probe through after the cool-down, across workers, while the others keep using the next provider', async () => {
    const { a, b, endCooldown } = twoWorkers('probe');
    await a.report('primary', 'trip', undefined);
    await endCooldown('primary');
    expect(await a.states(PROVIDERS)).toEqual({ primary: 'half_open', fallback: 'closed' });
    const routes = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((id, index) => (index % 2 ? a : b).choose(PROVIDERS, id)));
    const probes = routes.filter((route) => route.provider === 'primary');
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({ probe: expect.any(String) });
    expect(routes.filter((route) => route.provider === 'fallback')).toHaveLength(3);
  });

  it('a failed probe opens it for another cool-down; a successful one closes it for everyone', async () => {
    const { a, b, endCooldown } = twoWorkers('probe-outcome');
    await a.report('primary', 'trip', undefined);
    await endCooldown('primary');
    const first = await a.choose(PROVIDERS, 'probe-1');
    expect(first).toEqual({ provider: 'primary', probe: 'probe-1' });
    expect(await a.report('primary', 'failure', 'probe-1')).toBe('reopened');
    expect(await b.choose(PROVIDERS, 'x')).toEqual({ provider: 'fallback', probe: undefined });

    await endCooldown('primary');
    expect(await b.choose(PROVIDERS, 'probe-2')).toEqual({ provider: 'primary', probe: 'probe-2' });
    expect(await b.report('primary', 'ok', 'probe-2')).toBe('closed');
    expect(await a.choose(PROVIDERS, 'y')).toEqual({ provider: 'primary', probe: undefined });
  });

  it('only the probe decides: a late success of a call sent before the circuit opened does not close it', async () => {
    const { a, b } = twoWorkers('late-success');
    await a.report('primary', 'trip', undefined);
    expect(await b.report('primary', 'ok', undefined)).toBe('open');
    expect(await b.report('primary', 'ok', 'not-the-probe')).toBe('open');
    expect(await a.choose(PROVIDERS, 'z')).toEqual({ provider: 'fallback', probe: undefined });
  });

  it('a probe our own rate limiter held back frees the lease for the next caller', async () => {
    const { a, b, endCooldown } = twoWorkers('unsent');
    await a.report('primary', 'trip', undefined);
    await endCooldown('primary');
    expect(await a.choose(PROVIDERS, 'held')).toEqual({ provider: 'primary', probe: 'held' });
    expect(await a.report('primary', 'unsent', 'held')).toBe('open');
    expect(await b.choose(PROVIDERS, 'next')).toEqual({ provider: 'primary', probe: 'next' });
  });

  it('names the wait until the earliest cool-down ends when every circuit is open', async () => {
    const { a } = twoWorkers('all-open');
    await a.report('primary', 'trip', undefined);
    await a.report('fallback', 'trip', undefined, 5000);
    const route = await a.choose(PROVIDERS, 'w');
    expect(route.provider).toBeUndefined();
    expect(route).toMatchObject({ waitMs: expect.any(Number) });
    expect((route as { waitMs: number }).waitMs).toBeGreaterThan(50_000);
    expect((route as { waitMs: number }).waitMs).toBeLessThanOrEqual(60_000);
  });
});
