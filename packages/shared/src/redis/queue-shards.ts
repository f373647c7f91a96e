import { hash } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { shardKeys, type ShardKeys } from './keys.js';

/** Redis Cluster's hash slots. */
const CLUSTER_SLOTS = 16_384;

/** More shards than this would give each worker process more blocking connections than jobs worth fetching. */
export const MAX_QUEUE_SHARDS = 64;

/**
 * One partition of the conversations: its own BullMQ queue and conversation keys under a prefix of its own, so a
 * Redis Cluster can hold each shard on another master.
 */
export interface QueueShard {
  /** 0 … count − 1. */
  index: number;
  /** How many shards there are. */
  count: number;
  /** Prefix of every key of the shard; shard 0's is the configured prefix. */
  prefix: string;
  /** The Redis Cluster hash slot of all its keys. */
  slot: number;
  keys: ShardKeys;
}

/**
 * The queue shards of a prefix (`QUEUE_SHARDS`). Shard 0 keeps the configured prefix, so with one shard nothing
 * moves, and raising the count leaves shard 0's queue (with whatever waits in it) where it was. Every other shard
 * gets a hash tag of its own, `{tag#i}` (`{tag#i.k}` for the first k that fits), chosen so that the shards' slots
 * fall in different ranges when the 16384 slots are cut into `count` equal ranges: a cluster whose masters hold
 * equal ranges of slots, as `redis-cli --cluster create` makes it, then has the shards spread evenly over its
 * masters when `count` is a multiple of the number of masters.
 */
export function queueShards(prefix: string, count: number): QueueShard[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_QUEUE_SHARDS) {
    throw new RangeError(`queue shards: count must be an integer from 1 to ${MAX_QUEUE_SHARDS}, not ${count}`);
  }
  return shardPrefixes(prefix, count).map((shardPrefix, index) => ({
    index,
    count,
    prefix: shardPrefix,
    slot: calculateSlot(shardPrefix),
    keys: shardKeys(shardPrefix),
  }));
}

/**
 * The shard of a conversation (`conversationKeyFor`): a stable hash over the shards. Every message of a
 * conversation, and so every memory thread in it, maps to the same shard, and so does every redelivery of a
 * message, which carries the same robot and conversation: its dedupe mark is found in that shard's queue.
 */
export function shardIndexFor(conversationKey: string, count: number): number {
  if (count === 1) return 0;
  return hash('sha256', conversationKey, 'buffer').readUInt32BE(0) % count;
}

/** Whether `prefix` holds a Redis Cluster hash tag: text between the first `{` and the first `}` after it. */
export function hasHashTag(prefix: string): boolean {
  return hashTagOf(prefix) !== undefined;
}

function hashTagOf(prefix: string): { start: number; end: number } | undefined {
  const start = prefix.indexOf('{') + 1;
  if (start === 0) return undefined;
  const end = prefix.indexOf('}', start);
  return end > start ? { start, end } : undefined;
}

function shardPrefixes(prefix: string, count: number): string[] {
  if (count === 1) return [prefix];
  const tag = hashTagOf(prefix);
  if (!tag) throw new Error(`queue shards need a {hash tag} in the Redis prefix, and ${prefix} has none`);
  const rangeOf = (slot: number) => Math.floor((slot * count) / CLUSTER_SLOTS);
  const baseRange = rangeOf(calculateSlot(prefix));
  const freeRanges = Array.from({ length: count }, (_, range) => range).filter((range) => range !== baseRange);
  return [prefix, ...freeRanges.map((range, i) => taggedInto(prefix, tag, i + 1, range, count))];
}

/**
 * The first candidate tag whose slot lies in the middle half of `range`: away from its edges, so a cluster whose
 * ranges are cut a slot or two differently still has it on the same master.
 */
function taggedInto(prefix: string, tag: { start: number; end: number }, index: number, range: number, count: number): string {
  const low = (range * CLUSTER_SLOTS) / count;
  const quarter = CLUSTER_SLOTS / count / 4;
  // The middle half holds 1/(2·count) of all slots: about 2·count candidates are tried, never near this bound.
  for (let attempt = 0; attempt < 1_000_000; attempt += 1) {
    const candidate = `${prefix.slice(tag.start, tag.end)}#${index}${attempt === 0 ? '' : `.${attempt}`}`;
    const shardPrefix = `${prefix.slice(0, tag.start)}${candidate}${prefix.slice(tag.end)}`;
    const slot = calculateSlot(shardPrefix);
    if (slot >= low + quarter && slot < low + 3 * quarter) return shardPrefix;
  }
  throw new Error(`no hash tag found for queue shard ${index} of ${count}`);
}
