import { randomBytes } from 'node:crypto';
import type { RedisClient, RedisKeys } from '@dtbot/shared';
import { transcriptEntrySchema, type StoredEntry, type TranscriptEntry } from './transcript-entry.js';

export interface PlaygroundSessionsOptions {
  /** Sessions alive at once, every gateway together. */
  maxSessions: number;
  idleMs: number;
  transcriptEntries: number;
  questionsPerMinute: number;
}

export type OpenedSession = { opened: 'new' | 'resumed'; sessionId: string } | { opened: 'full' };

/**
 * The playground's sessions in Redis, so every gateway sees the same ones: who may still send,
 * each session's transcript (a stream, trimmed to its last entries), and a nudge on a pub/sub
 * channel whenever a transcript grows, for the gateway that holds the page's event stream. A
 * session lives until it has been idle for `idleMs`; its keys expire with it.
 */
export class PlaygroundSessions {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    readonly options: PlaygroundSessionsOptions,
  ) {}

  /**
   * Resumes `resume` while it lives, or opens a new session unless `maxSessions` live already. The
   * new one is added before counting and taken back when it overflows, so concurrent opens never
   * leave more than the maximum.
   */
  async open(resume?: string): Promise<OpenedSession> {
    if (resume && (await this.touch(resume))) return { opened: 'resumed', sessionId: resume };
    const sessionId = randomBytes(16).toString('base64url');
    const now = Date.now();
    const key = this.keys.playgroundSessions();
    const results = await this.redis
      .multi()
      .zremrangebyscore(key, '-inf', now)
      .zadd(key, now + this.options.idleMs, sessionId)
      .zcard(key)
      .exec();
    const count = Number(results?.[2]?.[1] ?? Infinity);
    if (count > this.options.maxSessions) {
      await this.redis.zrem(key, sessionId);
      return { opened: 'full' };
    }
    return { opened: 'new', sessionId };
  }

  async isAlive(sessionId: string): Promise<boolean> {
    const expires = await this.redis.zscore(this.keys.playgroundSessions(), sessionId);
    return expires !== null && Number(expires) > Date.now();
  }

  /** Keeps a live session (and its keys) for another `idleMs`; false when it is gone. */
  async touch(sessionId: string): Promise<boolean> {
    if (!(await this.isAlive(sessionId))) return false;
    const idle = this.options.idleMs;
    await this.redis
      .multi()
      .zadd(this.keys.playgroundSessions(), 'XX', Date.now() + idle, sessionId)
      .pexpire(this.keys.playgroundTranscript(sessionId), idle)
      .pexpire(this.keys.playgroundUsers(sessionId), idle)
      .exec();
    return true;
  }

  /** Counts a question in this minute's window; over `questionsPerMinute`, says how long to wait. */
  async countQuestion(sessionId: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
    const key = this.keys.playgroundRate(sessionId);
    const results = await this.redis.multi().set(key, 0, 'EX', 60, 'NX').incr(key).ttl(key).exec();
    const count = Number(results?.[1]?.[1] ?? 0);
    if (count <= this.options.questionsPerMinute) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Number(results?.[2]?.[1] ?? 60)) };
  }

  /** The nick a staff id spoke as, to show it in the answers that @-mention them. */
  async rememberUser(sessionId: string, staffId: string, nick: string): Promise<void> {
    const key = this.keys.playgroundUsers(sessionId);
    await this.redis.multi().hset(key, staffId, nick).pexpire(key, this.options.idleMs).exec();
  }

  async users(sessionId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.playgroundUsers(sessionId));
  }

  /** Adds an entry to the transcript (dropping the oldest past the limit) and tells every gateway. */
  async append(sessionId: string, entry: TranscriptEntry): Promise<string> {
    const key = this.keys.playgroundTranscript(sessionId);
    const results = await this.redis
      .multi()
      .xadd(key, 'MAXLEN', this.options.transcriptEntries, '*', 'entry', JSON.stringify(entry))
      .pexpire(key, this.options.idleMs)
      .publish(this.keys.playgroundChannel(), sessionId)
      .exec();
    return String(results?.[0]?.[1] ?? '');
  }

  /** Entries after `afterId` (from the start when absent), oldest first. */
  async readAfter(sessionId: string, afterId: string | undefined, count: number): Promise<StoredEntry[]> {
    const start = afterId ? `(${afterId}` : '-';
    const rows = await this.redis.xrange(this.keys.playgroundTranscript(sessionId), start, '+', 'COUNT', count);
    const entries: StoredEntry[] = [];
    for (const [id, fields] of rows) {
      const entry = parseEntry(fields[1]);
      if (entry) entries.push({ id, entry });
    }
    return entries;
  }
}

/** An entry as stored; anything else (written by another version, say) is skipped, not shown. */
function parseEntry(json: string | undefined): TranscriptEntry | undefined {
  try {
    const parsed = transcriptEntrySchema.safeParse(JSON.parse(json ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
