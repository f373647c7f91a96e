import type { CommonConfig } from '../config/schema.js';
import type { RedisClient } from './create-redis.js';

/**
 * The settings every gateway and worker of a deployment must hold alike, as recorded: `QUEUE_SHARDS` (processes
 * that disagreed would put one conversation's messages in two queues, answered out of order with split memory) and
 * `QUEUE_NOTICE_AFTER_MS` (gateways schedule the notices, workers send them).
 */
export function agreedSettingsOf(config: Pick<CommonConfig, 'QUEUE_SHARDS' | 'QUEUE_NOTICE_AFTER_MS'>): Record<string, string> {
  return { QUEUE_SHARDS: String(config.QUEUE_SHARDS), QUEUE_NOTICE_AFTER_MS: String(config.QUEUE_NOTICE_AFTER_MS) };
}

/**
 * How long the record outlives the last process that refreshed it. Changing an agreed setting means stopping every
 * process and starting them again with the new value; a minute later the old record is gone.
 */
export const AGREEMENT_TTL_MS = 60_000;

/** How often a running process refreshes the record: three times per lifetime, so one missed beat loses nothing. */
export const AGREEMENT_REFRESH_MS = 20_000;

/** How long start-up waits for Redis before going on; the first refresh after Redis is back checks instead. */
export const AGREEMENT_START_WAIT_MS = 5_000;

export interface Disagreement {
  name: string;
  here: string;
  recorded: string;
}

// KEYS: the record. ARGV: lifetime (ms), then name, value, name, value, ...
// Compares first and records after, so a process that disagrees leaves the record as it found it.
const AGREE_SCRIPT = `
for i = 2, #ARGV, 2 do
  local recorded = redis.call('HGET', KEYS[1], ARGV[i])
  if recorded and recorded ~= ARGV[i + 1] then return { ARGV[i], ARGV[i + 1], recorded } end
end
for i = 2, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {}
`;

/**
 * Records `settings` in Redis under `key` unless processes already running recorded other values, and gives the
 * first that differs. The record lives while any process refreshes it (`AGREEMENT_TTL_MS`).
 */
export async function agreeOnSettings(redis: RedisClient, key: string, settings: Record<string, string>): Promise<Disagreement | undefined> {
  const args = [String(AGREEMENT_TTL_MS), ...Object.entries(settings).flat()];
  const answer = (await redis.eval(AGREE_SCRIPT, 1, key, ...args)) as string[];
  if (answer.length === 0) return undefined;
  const [name = '', here = '', recorded = ''] = answer;
  return { name, here, recorded };
}

/** What an operator reads when a process stops on a disagreement: which setting, both values, and how to change it. */
export function disagreementMessage(disagreement: Disagreement, key: string): string {
  const { name, here, recorded } = disagreement;
  return (
    `${name} is ${here} here but ${recorded} on the gateways and workers already running (recorded in Redis under ${key}): ` +
    `set it alike on every gateway and worker. To change it, stop them all and start them with the new value ` +
    `${AGREEMENT_TTL_MS / 1000} s after the last one stopped.`
  );
}
