import type { RedisClient } from '../redis/create-redis.js';
import type { RedisKeys } from '../redis/keys.js';

/**
 * What a card press needs to know about the answer in a card, kept by the worker under the card's `outTrackId`:
 * whose question it answers, where, and whether it is still being written. Once finished, the persona and model that
 * wrote it, so feedback is counted for them.
 */
export interface CardAnswerRecord {
  jobId: string;
  robotCode: string;
  /** The asker's staff id (their sender id when they have none). */
  asker: string;
  /** Asked in a group: there others may see the card, and only the asker or an admin may stop it. */
  group: boolean;
  state: 'writing' | 'done';
  persona?: string | undefined;
  model?: string | undefined;
}

/** Kept as long as a card may still be pressed for feedback. */
export const CARD_ANSWER_TTL_SECONDS = 30 * 86_400;

export async function readCardAnswer(redis: RedisClient, keys: Pick<RedisKeys, 'cardAnswer'>, outTrackId: string): Promise<CardAnswerRecord | undefined> {
  const fields = await redis.hgetall(keys.cardAnswer(outTrackId));
  const { jobId, robotCode, asker, group, state, persona, model } = fields;
  if (!jobId || robotCode === undefined || !asker || (state !== 'writing' && state !== 'done')) return undefined;
  return { jobId, robotCode, asker, group: group === '1', state, persona: persona || undefined, model: model || undefined };
}

/** A change of the record as the hash fields `readCardAnswer` reads (a worker sends them in a pipeline of its own). */
export function cardAnswerFields(change: Partial<CardAnswerRecord>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(change)) {
    if (value === undefined) continue;
    fields[name] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  return fields;
}

export async function writeCardAnswer(
  redis: RedisClient,
  keys: Pick<RedisKeys, 'cardAnswer'>,
  outTrackId: string,
  change: Partial<CardAnswerRecord>,
): Promise<void> {
  const key = keys.cardAnswer(outTrackId);
  await redis.multi().hset(key, cardAnswerFields(change)).expire(key, CARD_ANSWER_TTL_SECONDS).exec();
}
