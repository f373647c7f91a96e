import { ADD_QUEUE_JOB_LUA, encodedJobOptions, jobIdLua, QUEUE_JOB_KEY_COUNT, queueJobKeys, type DefaultJobOptions, type Queue, type QueueJobKeys } from '@dtbot/queue';
import type { MessageJob } from '../jobs/message-job.js';
import { jobPriorityLua } from '../lanes/job-priority.js';
import type { Lane } from '../lanes/lane.js';
import type { RedisClient } from '../redis/create-redis.js';
import type { ShardKeys } from '../redis/keys.js';
import { LOAD_TTL_MS, ORDER_TTL_MS, type TurnSubject } from './turn-scripts.js';

// One step for a message: its number (INCR of the order key's seq), its conversation's load, its priority from both,
// its job (BullMQ's own add, with the dedupe mark), and its queue notice. A redelivery (the dedupe mark exists) gives
// its number and its load back in the same step: no number is ever skipped for it.
//
// KEYS: the queue's eleven (`queueJobKeys`), then the order key's seq, the conversation's load, the shard's notice
// schedule.
// ARGV: [1] order key, [2] job name, [3] timestamp, [4] the job's data as JSON without `seq`, [5] the queue's job
// options (`encodedJobOptions`), [6] dedupe id, [7] its key, [8] its TTL in ms, [9] lane, [10] seq TTL, [11] load
// TTL, [12] notice time (0 = none), [13] `<prefix>:<queue>:`.
// Returns {1, job id, seq} for a message stored now, {0, the stored job's id} for a redelivery, or BullMQ's error
// code (a negative number).
const STORE_MESSAGE = `${ADD_QUEUE_JOB_LUA}
local q = ${QUEUE_JOB_KEY_COUNT}
local seqKey, loadKey, noticeKey = KEYS[q + 1], KEYS[q + 2], KEYS[q + 3]
local seq = redis.call('INCR', seqKey)
redis.call('PEXPIRE', seqKey, ARGV[10])
local load = redis.call('INCR', loadKey)
redis.call('PEXPIRE', loadKey, ARGV[11])
local jobId = ${jobIdLua('ARGV[1]', 'seq')}
local priority = ${jobPriorityLua('ARGV[9]', 'load')}
local data = string.sub(ARGV[4], 1, -2) .. ',"seq":' .. seq .. '}'
local opts = cjson.decode(ARGV[5])
opts['de'] = {id = ARGV[6], ttl = tonumber(ARGV[8])}
local stored = addQueueJob(0, ARGV[13], jobId, ARGV[2], tonumber(ARGV[3]), data, opts, ARGV[7], priority)
if type(stored) == 'number' then return stored end
if stored ~= jobId then
  redis.call('DECR', seqKey)
  if redis.call('DECR', loadKey) <= 0 then redis.call('DEL', loadKey) end
  return {0, stored}
end
local noticeAt = tonumber(ARGV[12])
if noticeAt > 0 then redis.call('ZADD', noticeKey, noticeAt, jobId) end
return {1, jobId, seq}
`;

/** A message as the store is given it: its job without the number, which the store gives it. */
export type UnnumberedJob = Omit<MessageJob, 'seq'>;

export interface StoreRequest extends TurnSubject {
  job: UnnumberedJob;
  lane: Lane;
  /** The message's dedupe id (`dedupeIdFor`) and how long it is remembered. */
  dedupeId: string;
  dedupeTtlMs: number;
}

export type StoreResult = { stored: 'new'; jobId: string; seq: number } | { stored: 'duplicate'; jobId: string };

interface StoreCommands {
  dtbotStoreMessage(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<[1, string, number] | [0, string] | number>;
}

/**
 * Stores messages in one queue shard, each in one script call: numbered, counted in its conversation's load, given
 * its lane's priority, added as a job exactly as BullMQ's `Queue.add` adds it (with its dedupe mark), and scheduled
 * for its queue notice. One round trip and one script per message, where numbering and adding apart took two.
 */
export class MessageStore {
  private readonly redis: RedisClient & StoreCommands;
  private readonly queueKeys: QueueJobKeys;
  private readonly options: string;

  /** `defaultJobOptions`: the queue's own, which `Queue.add` would merge into every job. */
  constructor(
    redis: RedisClient,
    private readonly keys: ShardKeys,
    queue: Queue<MessageJob>,
    private readonly jobName: string,
    defaultJobOptions: DefaultJobOptions = {},
    private readonly orderTtlMs = ORDER_TTL_MS,
  ) {
    redis.defineCommand('dtbotStoreMessage', { lua: STORE_MESSAGE });
    this.redis = redis as RedisClient & StoreCommands;
    this.queueKeys = queueJobKeys(queue);
    this.options = encodedJobOptions(defaultJobOptions);
  }

  async store(request: StoreRequest): Promise<StoreResult> {
    const { keys, queuePrefix } = this.queueKeys;
    const data = JSON.stringify(request.job);
    const reply = await this.redis.dtbotStoreMessage(
      keys.length + 3,
      ...keys,
      this.keys.orderSeq(request.orderKey),
      this.keys.conversationLoad(request.conversationKey),
      this.keys.noticeDue(),
      request.orderKey,
      this.jobName,
      Date.now(),
      data,
      this.options,
      request.dedupeId,
      this.queueKeys.dedupeKey(request.dedupeId),
      request.dedupeTtlMs,
      request.lane,
      this.orderTtlMs,
      LOAD_TTL_MS,
      request.noticeAt ?? 0,
      queuePrefix,
    );
    if (typeof reply === 'number') throw new Error(`BullMQ refused the job (code ${reply})`);
    if (reply[0] === 1) return { stored: 'new', jobId: reply[1], seq: reply[2] };
    return { stored: 'duplicate', jobId: reply[1] };
  }
}
