import { ADD_QUEUE_JOB_LUA, encodedJobOptions, jobIdLua, QUEUE_JOB_KEY_COUNT, queueJobKeys, type DefaultJobOptions, type Queue, type QueueJobKeys } from '@dtbot/queue';
import type { MessageJob } from '../jobs/message-job.js';
import { jobPriorityLua } from '../lanes/job-priority.js';
import type { Lane } from '../lanes/lane.js';
import type { RedisClient } from '../redis/create-redis.js';
import type { ShardKeys } from '../redis/keys.js';
import { LOAD_TTL_MS, ORDER_TTL_MS, type TurnSubject } from './turn-scripts.js';

const SHARED_ARGS = 6;
const ARGS_PER_MESSAGE = 7;

// One step for a batch of messages, each in the order given: its number (INCR of the order key's seq), its
// conversation's load, its priority from both, its job (BullMQ's own add, with the dedupe mark), and its queue notice.
// A redelivery (the dedupe mark exists) gives its number and its load back in the same step: no number is ever
// skipped for it.
//
// KEYS: the queue's eleven (`queueJobKeys`), the shard's notice schedule, then each message's order-key seq and
// conversation load, in pairs.
// ARGV: [1] `<prefix>:<queue>:`, [2] job name, [3] the queue's job options (`encodedJobOptions`), [4] seq TTL, [5] load
// TTL, [6] dedupe TTL, then per message, in sevens: order key, timestamp, the job's data as JSON without `seq`, dedupe
// id, dedupe key, lane, notice time (0 = none).
// Returns per message, in threes: 1, job id, seq for a message stored now; 0, the stored job's id, 0 for a
// redelivery; BullMQ's error code (a negative number), '', 0.
const STORE_MESSAGES = `${ADD_QUEUE_JOB_LUA}
local q = ${QUEUE_JOB_KEY_COUNT}
local noticeKey = KEYS[q + 1]
local out = {}
for m = 0, (#ARGV - ${SHARED_ARGS}) / ${ARGS_PER_MESSAGE} - 1 do
  local seqKey, loadKey = KEYS[q + 2 + 2 * m], KEYS[q + 3 + 2 * m]
  local a = ${SHARED_ARGS} + ${ARGS_PER_MESSAGE} * m
  local orderKey = ARGV[a + 1]
  local seq = redis.call('INCR', seqKey)
  redis.call('PEXPIRE', seqKey, ARGV[4])
  local load = redis.call('INCR', loadKey)
  redis.call('PEXPIRE', loadKey, ARGV[5])
  local jobId = ${jobIdLua('orderKey', 'seq')}
  local priority = ${jobPriorityLua('ARGV[a + 6]', 'load')}
  local data = string.sub(ARGV[a + 3], 1, -2) .. ',"seq":' .. seq .. '}'
  local opts = cjson.decode(ARGV[3])
  opts['de'] = {id = ARGV[a + 4], ttl = tonumber(ARGV[6])}
  local stored = addQueueJob(0, ARGV[1], jobId, ARGV[2], tonumber(ARGV[a + 2]), data, opts, ARGV[a + 5], priority)
  if stored ~= jobId then
    -- Refused (BullMQ's error code) or a redelivery (the stored job's id): the number was never used.
    redis.call('DECR', seqKey)
    if redis.call('DECR', loadKey) <= 0 then redis.call('DEL', loadKey) end
    if type(stored) == 'number' then
      out[3 * m + 1], out[3 * m + 2], out[3 * m + 3] = stored, '', 0
    else
      out[3 * m + 1], out[3 * m + 2], out[3 * m + 3] = 0, stored, 0
    end
  else
    local noticeAt = tonumber(ARGV[a + 7])
    if noticeAt > 0 then redis.call('ZADD', noticeKey, noticeAt, jobId) end
    out[3 * m + 1], out[3 * m + 2], out[3 * m + 3] = 1, jobId, seq
  end
end
return out
`;

/** A message as the store is given it: its job without the number, which the store gives it. */
export type UnnumberedJob = Omit<MessageJob, 'seq'>;

export interface StoreRequest extends TurnSubject {
  job: UnnumberedJob;
  lane: Lane;
  /** The message's dedupe id (`dedupeIdFor`). */
  dedupeId: string;
}

export type StoreResult = { stored: 'new'; jobId: string; seq: number } | { stored: 'duplicate'; jobId: string };

interface StoreCommands {
  dtbotStoreMessages(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<(string | number)[]>;
}

export interface MessageStoreOptions {
  jobName: string;
  /** The queue's own defaults, which `Queue.add` would merge into every job. */
  defaultJobOptions?: DefaultJobOptions;
  /** How long a message's dedupe mark is kept. */
  dedupeTtlMs: number;
  /** How long an idle thread's turn keys are kept (`ORDER_TTL_MS`). */
  orderTtlMs?: number;
  /** The most messages one script call stores (`STORE_BATCH_MAX`). */
  maxBatch?: number;
}

interface Pending {
  request: StoreRequest;
  resolve: (result: StoreResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The most messages one script call stores. Under load about a dozen callbacks reach the store in one event-loop
 * turn; a cap keeps one call's time in Redis short (each message is about 55 µs of it). Measured in the ack bench,
 * larger batches raised the gateway's peak RSS past 160 MB (8: 161 MB, 16: 173 MB) for no clear gain in acks/s.
 * Those rounds ran before the gateway's old generation was capped (`NODE_FLAGS`), when its RSS was mostly garbage
 * not yet collected. With the cap, 8 kept the peak at 127 MB (4: 128–130 MB), and its acks/s stayed within what
 * single runs spread (against the naive gateway: 0.986 and 0.71 on shared cores, 1.043 and 1.143 with Redis on a core
 * of its own; 4 in the same half hour: 0.971 and 0.842, 1.067 and 1.083). No gain was shown, so 4 stays.
 */
export const STORE_BATCH_MAX = 4;

/**
 * Stores messages in one queue shard: numbered, counted in their conversation's load, given their lane's priority,
 * added as jobs exactly as BullMQ's `Queue.add` adds them (with their dedupe marks), and scheduled for their queue
 * notices. The messages that reach the store in one event-loop turn share one script call, in the order they came:
 * one round trip for all of them, where numbering and adding apart took one each and one more per message.
 */
export class MessageStore {
  private readonly redis: RedisClient & StoreCommands;
  private readonly queueKeys: QueueJobKeys;
  private readonly options: string;
  private pending: Pending[] = [];

  private readonly jobName: string;
  private readonly dedupeTtlMs: number;
  private readonly orderTtlMs: number;
  private readonly maxBatch: number;

  constructor(
    redis: RedisClient,
    private readonly keys: ShardKeys,
    queue: Queue<MessageJob>,
    options: MessageStoreOptions,
  ) {
    redis.defineCommand('dtbotStoreMessages', { lua: STORE_MESSAGES });
    this.redis = redis as RedisClient & StoreCommands;
    this.queueKeys = queueJobKeys(queue);
    this.options = encodedJobOptions(options.defaultJobOptions ?? {});
    this.jobName = options.jobName;
    this.dedupeTtlMs = options.dedupeTtlMs;
    this.orderTtlMs = options.orderTtlMs ?? ORDER_TTL_MS;
    this.maxBatch = options.maxBatch ?? STORE_BATCH_MAX;
  }

  store(request: StoreRequest): Promise<StoreResult> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ request, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
    });
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.storeMany(batch.map(({ request }) => request)).then(
      (results) =>
        batch.forEach((waiting, i) => {
          const result = results[i]!;
          if (result instanceof Error) waiting.reject(result);
          else waiting.resolve(result);
        }),
      (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
    );
  }

  private async storeMany(requests: readonly StoreRequest[]): Promise<(StoreResult | Error)[]> {
    const { keys, queuePrefix, dedupeKey } = this.queueKeys;
    const keyCount = keys.length + 1 + 2 * requests.length;
    // One pass, one array: this runs for every batch of callbacks.
    const args: (string | number)[] = new Array(keyCount + SHARED_ARGS + ARGS_PER_MESSAGE * requests.length);
    keys.forEach((key, i) => (args[i] = key));
    args[keys.length] = this.keys.noticeDue();
    const a = keyCount;
    args[a] = queuePrefix;
    args[a + 1] = this.jobName;
    args[a + 2] = this.options;
    args[a + 3] = this.orderTtlMs;
    args[a + 4] = LOAD_TTL_MS;
    args[a + 5] = this.dedupeTtlMs;
    const now = Date.now();
    for (let m = 0; m < requests.length; m += 1) {
      const request = requests[m]!;
      args[keys.length + 1 + 2 * m] = this.keys.orderSeq(request.orderKey);
      args[keys.length + 2 + 2 * m] = this.keys.conversationLoad(request.conversationKey);
      const at = a + SHARED_ARGS + ARGS_PER_MESSAGE * m;
      args[at] = request.orderKey;
      args[at + 1] = now;
      args[at + 2] = JSON.stringify(request.job);
      args[at + 3] = request.dedupeId;
      args[at + 4] = dedupeKey(request.dedupeId);
      args[at + 5] = request.lane;
      args[at + 6] = request.noticeAt ?? 0;
    }
    const flat = await this.redis.dtbotStoreMessages(keyCount, ...args);
    return requests.map((_, m) => {
      const [status, jobId, seq] = [flat[3 * m], flat[3 * m + 1], flat[3 * m + 2]];
      if (status === 1) return { stored: 'new', jobId: String(jobId), seq: Number(seq) };
      if (status === 0) return { stored: 'duplicate', jobId: String(jobId) };
      return new Error(`BullMQ refused the job (code ${String(status)})`);
    });
  }
}
