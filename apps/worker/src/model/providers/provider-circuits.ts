import type { RedisClient, RedisKeys } from '@dtbot/shared';

/**
 * One circuit breaker per model provider, shared by every worker through Redis, so that all of
 * them switch together and one probe (not one per worker) tries a provider again:
 * - closed: calls go to the provider; `failureThreshold` consecutive failures (counted by every
 *   worker together, any success resets the count) open it;
 * - open: calls go to the next provider for `cooldownMs` (longer when a 429 asked for longer);
 * - half-open: the cool-down is over; the first caller to take the probe lease (one across all
 *   workers) sends one request. Its success closes the circuit and everyone switches back; its
 *   failure opens it for another cool-down. Until the probe ends, everyone else keeps using the
 *   next provider.
 * Only the probe's outcome decides: a call that started before the circuit opened and ends after
 * it does not close it. Time is Redis' own clock, so workers with skewed clocks agree.
 *
 * The state is a small Lua state machine rather than a resilience library's breaker: libraries
 * such as cockatiel keep a breaker's state in the process and update it synchronously, so two
 * workers could not count one run of failures together or agree on a single probe.
 */

// KEYS: circuit hash of each candidate in order, then the probe key of each in the same order.
// ARGV: probe id, probe lease ms.
// Returns {i, 1} for the i-th candidate (1-based) taken as the probe, {i, 0} for a closed one, or
// {0, ms} when none lets a call through (ms until the earliest cool-down ends).
const CHOOSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS / 2
local earliest = -1
for i = 1, n do
  local openUntil = tonumber(redis.call('HGET', KEYS[i], 'openUntil') or '0')
  if openUntil == 0 then return {i, 0} end
  if openUntil > now then
    if earliest < 0 or openUntil - now < earliest then earliest = openUntil - now end
  elseif redis.call('SET', KEYS[n + i], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {i, 1}
  else
    local lease = redis.call('PTTL', KEYS[n + i])
    if lease > 0 and (earliest < 0 or lease < earliest) then earliest = lease end
  end
end
return {0, math.max(earliest, 1)}
`;

// KEYS: circuit hash, probe key.
// ARGV: verdict ('ok' | 'failure' | 'trip' | 'neutral' | 'unsent'), probe id or '', failureThreshold,
//       cooldownMs, openForMs (a trip's own wait; the cool-down when longer).
// Returns 'opened' (this call opened it), 'reopened' (this probe failed), 'closed' (this probe
// closed it), 'open' (it was open already) or '' (closed).
const RECORD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local verdict = ARGV[1]
local isProbe = ARGV[2] ~= '' and redis.call('GET', KEYS[2]) == ARGV[2]
if isProbe then redis.call('DEL', KEYS[2]) end
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
local function open(ms)
  redis.call('HSET', KEYS[1], 'openUntil', now + ms, 'failures', 0)
  -- Forgotten an hour after its cool-down when nobody calls: closed again, as after a probe.
  redis.call('PEXPIRE', KEYS[1], ms + 3600000)
  return 'opened'
end
-- Our own limiter held the request back: the provider said nothing, and the probe is free again.
if verdict == 'unsent' then
  if openUntil > 0 then return 'open' end
  return ''
end
-- The provider answered (a refusal of the request itself, 400, is an answer too).
if verdict == 'ok' or verdict == 'neutral' then
  if isProbe then
    redis.call('DEL', KEYS[1])
    return 'closed'
  end
  if openUntil > 0 then return 'open' end
  if verdict == 'ok' then redis.call('HDEL', KEYS[1], 'failures') end
  return ''
end
local openFor = math.max(tonumber(ARGV[4]), tonumber(ARGV[5]))
if isProbe then
  open(openFor)
  return 'reopened'
end
if openUntil > 0 then return 'open' end
if verdict == 'trip' then return open(openFor) end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
-- A run of failures is forgotten after ten quiet minutes.
redis.call('PEXPIRE', KEYS[1], 600000)
if failures >= tonumber(ARGV[3]) then return open(tonumber(ARGV[4])) end
return ''
`;

// KEYS: circuit hash of each provider. Returns Redis' now, then each provider's openUntil (0 = closed).
const STATES = `
local t = redis.call('TIME')
local result = { tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) }
for i = 1, #KEYS do
  table.insert(result, tonumber(redis.call('HGET', KEYS[i], 'openUntil') or '0'))
end
return result
`;

interface CircuitCommands {
  dtbotCircuitChoose(...args: (string | number)[]): Promise<[number, number]>;
  dtbotCircuitRecord(circuit: string, probe: string, verdict: string, probeId: string, threshold: number, cooldownMs: number, openForMs: number): Promise<string>;
  dtbotCircuitStates(...args: (string | number)[]): Promise<number[]>;
}

/** What a finished call says about its provider's health (`call-verdict.ts`). */
export type CallVerdict = 'ok' | 'failure' | 'trip' | 'neutral' | 'unsent';

/** What a report changed: `opened` and `closed` are switches (each reported to one caller only). */
export type CircuitChange = 'opened' | 'reopened' | 'closed' | 'open' | '';

/** Whether the provider is out of service after a report. */
export const isOutOfService = (change: CircuitChange): boolean => change === 'opened' || change === 'reopened' || change === 'open';

export type CircuitState = 'closed' | 'open' | 'half_open';

/** The provider a call goes to, and the probe lease it holds when it is the one probe. */
export type CircuitRoute = { provider: string; probe: string | undefined } | { provider: undefined; waitMs: number };

/**
 * Consecutive failures, all workers together, that open a provider's circuit. One or two failures happen to a healthy
 * provider now and then (a reset connection) and the job's retry handles them; five in a row, with every worker
 * counting, is an outage.
 */
export const CIRCUIT_FAILURE_THRESHOLD = 5;

/**
 * How long an open circuit sends calls to the next provider before one probe tries it again. Provider incidents last
 * minutes; half a minute costs one probe per 30 s during one, and brings the first provider back soon after it
 * recovers (docs/benchmarks.md, the failover scenario).
 */
export const CIRCUIT_COOLDOWN_MS = 30_000;

/**
 * A 429 asking to wait longer than this opens the circuit at once instead of pausing every worker: 10 s is about as
 * long as an asker waits for the first words, so a longer wait is better spent on the next provider.
 */
export const CIRCUIT_MAX_WAIT_MS = 10_000;

export interface CircuitOptions {
  /** Consecutive failures that open a circuit (`CIRCUIT_FAILURE_THRESHOLD`). */
  failureThreshold: number;
  /** How long an open circuit stays open (`CIRCUIT_COOLDOWN_MS`). */
  cooldownMs: number;
  /** How long a probe may take before another worker may send one (its worker may have died). */
  probeLeaseMs: number;
  /** A 429 asking to wait longer than this opens the circuit at once (`CIRCUIT_MAX_WAIT_MS`). */
  maxWaitMs: number;
}

export class ProviderCircuits {
  private readonly redis: RedisClient & CircuitCommands;

  constructor(
    redis: RedisClient,
    private readonly keys: RedisKeys,
    readonly options: CircuitOptions,
  ) {
    redis.defineCommand('dtbotCircuitChoose', { lua: CHOOSE });
    redis.defineCommand('dtbotCircuitRecord', { numberOfKeys: 2, lua: RECORD });
    redis.defineCommand('dtbotCircuitStates', { lua: STATES });
    this.redis = redis as RedisClient & CircuitCommands;
  }

  /** The first of `providers` (in order) whose circuit lets a call through now. */
  async choose(providers: readonly string[], probeId: string): Promise<CircuitRoute> {
    const keys = [...providers.map((name) => this.keys.providerCircuit(name)), ...providers.map((name) => this.keys.providerProbe(name))];
    const [index, value] = await this.redis.dtbotCircuitChoose(keys.length, ...keys, probeId, this.options.probeLeaseMs);
    if (index === 0) return { provider: undefined, waitMs: value };
    return { provider: providers[index - 1]!, probe: value === 1 ? probeId : undefined };
  }

  /** Reports how a call to `provider` ended; `openForMs` is how long a `trip` asks it to stay open. */
  async report(provider: string, verdict: CallVerdict, probe: string | undefined, openForMs = 0): Promise<CircuitChange> {
    const change = await this.redis.dtbotCircuitRecord(
      this.keys.providerCircuit(provider),
      this.keys.providerProbe(provider),
      verdict,
      probe ?? '',
      this.options.failureThreshold,
      this.options.cooldownMs,
      openForMs,
    );
    return change as CircuitChange;
  }

  /** Each provider's circuit as every worker sees it now; half-open = its cool-down is over, a probe may go or is on its way. */
  async states(providers: readonly string[]): Promise<Record<string, CircuitState>> {
    const keys = providers.map((name) => this.keys.providerCircuit(name));
    const [now = 0, ...openUntil] = await this.redis.dtbotCircuitStates(keys.length, ...keys);
    return Object.fromEntries(
      providers.map((name, index) => {
        const until = openUntil[index] ?? 0;
        const state: CircuitState = until === 0 ? 'closed' : until > now ? 'open' : 'half_open';
        return [name, state];
      }),
    );
  }
}
