import { z } from 'zod';
import type { RedisClient } from '@dtbot/shared';
import type { ModelToolCall } from '../model/model-output.js';

/** As long as the answer itself is kept: a retry that finds no answer finds its tool rounds. */
export const TOOL_ROUNDS_TTL_SECONDS = 86_400;

/** The model's turn of one round: what it wrote, and the calls it asked for. */
export interface ToolTurn {
  content: string;
  toolCalls: ModelToolCall[];
}

const toolTurnSchema = z.object({
  content: z.string(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).min(1),
});

/**
 * One job's tool rounds in Redis (one hash: `turn.<round>` → the model's turn as JSON, `result.<round>.<index>`
 * → the tool's text), so that a retried or taken-over job replays the rounds it finds instead of asking the
 * model or calling a tool again. Each write is its own round trip, made before the loop goes on.
 */
export class ToolLedger {
  private constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly fields: Record<string, string>,
  ) {}

  static async open(redis: RedisClient, key: string): Promise<ToolLedger> {
    return new ToolLedger(redis, key, await redis.hgetall(key));
  }

  /** The model's turn recorded for this round; a field that is not a turn (never written by us) counts as none. */
  turn(round: number): ToolTurn | undefined {
    const raw = this.fields[`turn.${round}`];
    if (raw === undefined) return undefined;
    try {
      const parsed = toolTurnSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** The result of the round's call at `index` (the order the model asked for them in). */
  result(round: number, index: number): string | undefined {
    return this.fields[`result.${round}.${index}`];
  }

  recordTurn(round: number, turn: ToolTurn): Promise<void> {
    return this.write(`turn.${round}`, JSON.stringify(turn));
  }

  recordResult(round: number, index: number, text: string): Promise<void> {
    return this.write(`result.${round}.${index}`, text);
  }

  private async write(field: string, value: string): Promise<void> {
    await this.redis.multi().hset(this.key, field, value).expire(this.key, TOOL_ROUNDS_TTL_SECONDS).exec();
    this.fields[field] = value;
  }
}
