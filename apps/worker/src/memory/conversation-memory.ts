import { z } from 'zod';
import type { RedisClient, ShardKeys } from '@dtbot/shared';
import type { TokenCounter } from '../tokens/token-counter.js';
import { trimToBudget, type Turn } from './trim-to-budget.js';

const storedMemorySchema = z.object({
  /** The job whose turn was stored last: a retried job must not store its turn twice. */
  lastJobId: z.string(),
  turns: z.array(
    z.object({
      role: z.enum(['user', 'assistant']),
      content: z.string(),
      // Memory written before turns carried their count has none; it is counted once on reading.
      tokens: z.number().int().nonnegative().optional(),
    }),
  ),
});

type StoredMemory = z.infer<typeof storedMemorySchema>;

/**
 * The token budget of a thread's remembered turns unless its robot's `ROBOTS_FILE` entry gives `memoryMaxTokens`:
 * the last several exchanges of a chat (about ten of short questions and answers), which is what a follow-up
 * question refers to, while each question's prompt stays small against any model's context and its price.
 */
export const MEMORY_MAX_TOKENS = 3000;

export interface MemoryOptions {
  ttlSeconds: number;
}

type Read = { lastJobId: string; turns: Turn[] } | undefined;

/** Reads kept for the append of the job that made them; more are a sign of jobs that failed in between. */
const MAX_KEPT_READS = 1000;

/**
 * A conversation's remembered turns, one JSON value per order key. Only the job holding the
 * conversation's turn reads and writes it, so a plain GET/SET is safe. Each turn is counted once,
 * when it is stored, and keeps its count: counting a full budget of history again for every
 * message would cost far more than the message itself (see docs/benchmarks.md).
 */
export class ConversationMemory {
  /** orderKey → what `load` read for a job, until that job's `append`. */
  private readonly reads = new Map<string, { jobId: string; read: Read }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ShardKeys,
    private readonly tokens: TokenCounter,
    private readonly options: MemoryOptions,
  ) {}

  /**
   * The thread's turns, as `jobId` (the job holding the thread's turn) sees them. Its `append` reuses this read
   * instead of reading again: nobody else writes the thread's memory while the job holds its turn (a copy of
   * the same job taken over after a stall would write the same turn), so the second read would find the same.
   */
  async load(orderKey: string, jobId: string): Promise<Turn[]> {
    return this.keep(orderKey, jobId, this.parse(await this.redis.get(this.keys.memory(orderKey))));
  }

  /**
   * As `load`, with the value of another key of the same thread (its persona choice) read in the same MGET:
   * one command and one round trip for both. The key must be in the memory's shard (one Cluster slot).
   */
  async loadWith(orderKey: string, jobId: string, alongside: string): Promise<{ turns: Turn[]; alongside: string | null }> {
    const [memory, other] = await this.redis.mget(this.keys.memory(orderKey), alongside);
    return { turns: this.keep(orderKey, jobId, this.parse(memory ?? null)), alongside: other ?? null };
  }

  private keep(orderKey: string, jobId: string, read: Read): Turn[] {
    if (this.reads.size >= MAX_KEPT_READS) this.reads.delete(this.reads.keys().next().value!);
    this.reads.set(orderKey, { jobId, read });
    return read?.turns ?? [];
  }

  /** Adds a question and its answer, dropping the oldest turns past `maxTokens` (the robot's memory budget). */
  async append(orderKey: string, jobId: string, question: string, answer: string, maxTokens: number): Promise<void> {
    const kept = this.reads.get(orderKey);
    this.reads.delete(orderKey);
    const stored = kept?.jobId === jobId ? kept.read : await this.read(orderKey);
    if (stored?.lastJobId === jobId) return;
    const turns = trimToBudget(
      [...(stored?.turns ?? []), this.turn('user', question), this.turn('assistant', answer)],
      maxTokens,
    );
    const value: StoredMemory = { lastJobId: jobId, turns };
    await this.redis.set(this.keys.memory(orderKey), JSON.stringify(value), 'EX', this.options.ttlSeconds);
  }

  async clear(orderKey: string): Promise<void> {
    await this.redis.del(this.keys.memory(orderKey));
  }

  private turn(role: Turn['role'], content: string): Turn {
    return { role, content, tokens: this.tokens.message(content) };
  }

  private async read(orderKey: string): Promise<Read> {
    return this.parse(await this.redis.get(this.keys.memory(orderKey)));
  }

  private parse(raw: string | null): Read {
    if (!raw) return undefined;
    let parsed: ReturnType<typeof storedMemorySchema.safeParse>;
    try {
      parsed = storedMemorySchema.safeParse(JSON.parse(raw));
    } catch {
      return undefined; // unreadable memory is forgotten rather than failing every answer
    }
    if (!parsed.success) return undefined;
    const turns = parsed.data.turns.map((turn) => ({ ...turn, tokens: turn.tokens ?? this.tokens.message(turn.content) }));
    return { lastJobId: parsed.data.lastJobId, turns };
  }
}
