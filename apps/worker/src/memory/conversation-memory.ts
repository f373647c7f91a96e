import type { RedisClient, RedisKeys } from '@dtbot/shared';
import { trimToBudget, type Turn } from './trim-to-budget.js';

interface StoredMemory {
  /** The job whose turn was stored last: a retried job must not store its turn twice. */
  lastJobId: string;
  turns: Turn[];
}

export interface MemoryOptions {
  ttlSeconds: number;
  maxTokens: number;
}

/**
 * A conversation's remembered turns, one JSON value per order key. Only the job holding the
 * conversation's turn reads and writes it, so a plain GET/SET is safe.
 */
export class ConversationMemory {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: MemoryOptions,
  ) {}

  async load(orderKey: string): Promise<Turn[]> {
    return (await this.read(orderKey))?.turns ?? [];
  }

  async append(orderKey: string, jobId: string, question: string, answer: string): Promise<void> {
    const stored = await this.read(orderKey);
    if (stored?.lastJobId === jobId) return;
    const turns = trimToBudget(
      [...(stored?.turns ?? []), { role: 'user', content: question }, { role: 'assistant', content: answer }],
      this.options.maxTokens,
    );
    const value: StoredMemory = { lastJobId: jobId, turns };
    await this.redis.set(this.keys.memory(orderKey), JSON.stringify(value), 'EX', this.options.ttlSeconds);
  }

  async clear(orderKey: string): Promise<void> {
    await this.redis.del(this.keys.memory(orderKey));
  }

  private async read(orderKey: string): Promise<StoredMemory | undefined> {
    const raw = await this.redis.get(this.keys.memory(orderKey));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as StoredMemory;
    } catch {
      return undefined; // unreadable memory is forgotten rather than failing every answer
    }
  }
}
