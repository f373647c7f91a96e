import { createHash } from 'node:crypto';
import { removeSchedule, storedSchedule, upsertSchedule, type Queue } from '@dtbot/queue';
import { conversationKeyFor, SCHEDULE_TICK_JOB_NAME, type RedisClient, type RedisKeys } from '@dtbot/shared';
import { scheduleDefinitionSchema, type ScheduleDefinition } from './schedule-definition.js';

/** A schedule of a chat as its list shows it. */
export interface ListedSchedule {
  definition: ScheduleDefinition;
  /** The next tick (ms); `undefined` in the moment one is being taken. */
  nextAt: number | undefined;
}

export type AddResult = { added: true } | { added: false; reason: 'chat_full'; limit: number };

export type ChatRemoval = 'removed' | 'not_found' | 'from_file';

// Reserves a place in the chat's set: an id already there keeps its place, a new one only below the limit, so two
// admins adding at once cannot pass it together.
const RESERVE = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
`;

interface ReserveCommand {
  dtbotReserveSchedule(key: string, id: string, limit: number): Promise<number>;
}

/** Ids are typed back by admins (`/schedule remove k3x9qa`): short, lower case, no look-alike characters. */
const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const ID_LENGTH = 6;

/**
 * The scheduled prompts, kept by BullMQ's job schedulers (`@dtbot/queue`), which time them and survive restarts in
 * Redis; each chat's ids are a set beside them, for its list and its limit (`SCHEDULES_PER_CHAT`).
 */
export class ScheduleBook {
  private readonly redis: RedisClient & ReserveCommand;

  constructor(
    redis: RedisClient,
    private readonly keys: Pick<RedisKeys, 'chatSchedules' | 'fileSchedules'>,
    /** The schedules' queue, whose ticks the schedule workers take. */
    readonly queue: Queue,
    readonly options: { perChat: number; timeZone: string },
  ) {
    redis.defineCommand('dtbotReserveSchedule', { numberOfKeys: 1, lua: RESERVE });
    this.redis = redis as RedisClient & ReserveCommand;
  }

  /** The id of a schedule set up by a command: the same for every attempt of the command's job (`seed`). */
  idFor(seed: string): string {
    const bytes = createHash('sha256').update(`schedule\n${seed}`).digest();
    return Array.from(bytes.subarray(0, ID_LENGTH), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
  }

  /** Adds a schedule set up in its chat, unless the chat already has its most. */
  async add(definition: ScheduleDefinition): Promise<AddResult> {
    const chat = this.keys.chatSchedules(chatKeyOf(definition));
    const reserved = await this.redis.dtbotReserveSchedule(chat, definition.id, this.options.perChat);
    if (reserved !== 1) return { added: false, reason: 'chat_full', limit: this.options.perChat };
    try {
      await this.upsert(definition);
    } catch (error) {
      await this.redis.srem(chat, definition.id);
      throw error;
    }
    return { added: true };
  }

  /** Creates or replaces a schedule without the chat's limit: the operator's file decides. */
  async upsert(definition: ScheduleDefinition): Promise<void> {
    await this.redis.sadd(this.keys.chatSchedules(chatKeyOf(definition)), definition.id);
    const timing = { pattern: definition.pattern, timeZone: definition.timeZone, ...(definition.once ? { runs: 1 } : {}) };
    await upsertSchedule(this.queue, definition.id, timing, SCHEDULE_TICK_JOB_NAME, definition);
  }

  /** The chat's schedules in the order they fire next; ids whose schedule is gone are forgotten. */
  async list(chat: { robotCode: string; conversationId: string }): Promise<ListedSchedule[]> {
    const key = this.keys.chatSchedules(chatKeyOf(chat));
    const ids = await this.redis.smembers(key);
    const found = await Promise.all(ids.map(async (id) => ({ id, stored: this.ofChat(chat, await this.read(id)) })));
    // Gone, or moved to another chat (an edited SCHEDULES_FILE entry): not this chat's any more.
    const gone = found.filter(({ stored }) => !stored).map(({ id }) => id);
    if (gone.length > 0) await this.redis.srem(key, ...gone);
    return found
      .flatMap(({ stored }) => (stored ? [stored] : []))
      .sort((a, b) => (a.nextAt ?? Infinity) - (b.nextAt ?? Infinity) || a.definition.id.localeCompare(b.definition.id));
  }

  /** A schedule of this chat by its id; another chat's id is not found, whoever asks. */
  async findInChat(chat: { robotCode: string; conversationId: string }, id: string): Promise<ListedSchedule | undefined> {
    const wanted = id.trim().toLowerCase();
    if (!(await this.redis.sismember(this.keys.chatSchedules(chatKeyOf(chat)), wanted))) return undefined;
    return this.ofChat(chat, await this.read(wanted));
  }

  /** The schedule when it is this chat's. */
  private ofChat(chat: { robotCode: string; conversationId: string }, found: ListedSchedule | undefined): ListedSchedule | undefined {
    return found && chatKeyOf(found.definition) === chatKeyOf(chat) ? found : undefined;
  }

  /** Removes a schedule of this chat set up in a chat; one the file declares stays (it would be back at the next start). */
  async removeFromChat(chat: { robotCode: string; conversationId: string }, id: string): Promise<ChatRemoval> {
    const found = await this.findInChat(chat, id);
    if (!found) return 'not_found';
    if (found.definition.origin === 'file') return 'from_file';
    await this.remove(found.definition);
    return 'removed';
  }

  /** Removes a schedule and its pending tick. */
  async remove(definition: Pick<ScheduleDefinition, 'id' | 'robotCode' | 'conversationId'>): Promise<void> {
    await removeSchedule(this.queue, definition.id);
    await this.redis.srem(this.keys.chatSchedules(chatKeyOf(definition)), definition.id);
  }

  /** The ids the file declared at the last start. */
  async fileIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.fileSchedules());
  }

  /** Records the ids the file declares now. */
  async setFileIds(ids: readonly string[]): Promise<void> {
    const key = this.keys.fileSchedules();
    await this.redis.del(key);
    if (ids.length > 0) await this.redis.sadd(key, ...ids);
  }

  /** Closes the schedules' queue (not the connection, which its owner closes). */
  async close(): Promise<void> {
    await this.queue.close();
  }

  /** A schedule by id, or `undefined` when BullMQ has none (or its data is not a schedule's). */
  async read(id: string): Promise<ListedSchedule | undefined> {
    const stored = await storedSchedule(this.queue, id);
    const definition = scheduleDefinitionSchema.safeParse(stored?.data);
    if (!stored || !definition.success) return undefined;
    return { definition: definition.data, nextAt: stored.nextAt };
  }
}

/** The chat a schedule belongs to, keyed as its messages' conversation. */
function chatKeyOf(chat: { robotCode: string; conversationId: string }): string {
  return conversationKeyFor(chat);
}
