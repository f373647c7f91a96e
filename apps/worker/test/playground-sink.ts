import { randomBytes } from 'node:crypto';
import type { RedisClient, RedisKeys } from '@dtbot/shared';

/** An answer as a worker wrote it into a playground session's transcript (what the gateways read). */
export interface TranscriptAnswer {
  kind: 'answer';
  chatId: string;
  title: string;
  format: string;
  text: string;
  atUserIds: string[];
  at: number;
}

/** A live playground session, as a gateway opens it (the sessions set holds when it expires); returns its id. */
export async function openPlaygroundSession(redis: RedisClient, keys: RedisKeys, expiresAt = Date.now() + 3_600_000): Promise<string> {
  const sessionId = randomBytes(16).toString('base64url');
  await redis.zadd(keys.playgroundSessions(), expiresAt, sessionId);
  return sessionId;
}

/** The answers in a session's transcript, oldest first, as stored. */
export async function playgroundAnswers(redis: RedisClient, keys: RedisKeys, sessionId: string): Promise<TranscriptAnswer[]> {
  const rows = await redis.xrange(keys.playgroundTranscript(sessionId), '-', '+');
  return rows.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as TranscriptAnswer).filter((entry) => entry.kind === 'answer');
}
