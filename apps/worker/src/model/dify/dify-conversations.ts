import type { RedisClient, ShardKeys } from '@dtbot/shared';

/**
 * Which Dify conversation continues a memory thread, for each asker in it: Dify keeps the history, the worker
 * only the id. One hash per thread, so `/reset` forgets them all at once, and it expires like the thread's own
 * memory (`SESSION_TTL_SECONDS`), counted from the last answer. Only the job holding the thread's turn reads or
 * writes it.
 */
export class DifyConversations {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ShardKeys,
    private readonly ttlSeconds: number,
  ) {}

  /** The conversation `user` continues in `thread`; `undefined` = a new one is started. */
  async find(thread: string, user: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.difyConversations(thread), user)) ?? undefined;
  }

  async keep(thread: string, user: string, conversationId: string): Promise<void> {
    const key = this.keys.difyConversations(thread);
    await this.redis.multi().hset(key, user, conversationId).expire(key, this.ttlSeconds).exec();
  }

  /** Dify no longer knows `user`'s conversation. */
  async drop(thread: string, user: string): Promise<void> {
    await this.redis.hdel(this.keys.difyConversations(thread), user);
  }

  /** Every conversation of the thread (`/reset`). */
  async clear(thread: string): Promise<void> {
    await this.redis.del(this.keys.difyConversations(thread));
  }
}
