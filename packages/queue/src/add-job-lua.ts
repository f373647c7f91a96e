import { createRequire } from 'node:module';
import type { DefaultJobOptions, Queue } from 'bullmq';

/** A script as BullMQ ships it: its name, the number of keys it takes, and its Lua with its includes inlined. */
interface ShippedScript {
  name: string;
  keys: number;
  content: string;
}

const require = createRequire(import.meta.url);

/** BullMQ's own add scripts, as the installed version ships them (the contract suite holds their KEYS and ARGV). */
function shippedScript(file: string, exported: string): ShippedScript {
  const script = (require(`bullmq/dist/cjs/scripts/${file}.js`) as Record<string, ShippedScript | undefined>)[exported];
  if (!script || typeof script.content !== 'string') throw new Error(`bullmq/dist/cjs/scripts/${file}.js exports no ${exported}`);
  return script;
}

const STANDARD = shippedScript('addStandardJob-9', 'addStandardJob');
const PRIORITIZED = shippedScript('addPrioritizedJob-9', 'addPrioritizedJob');

/**
 * The queue keys `ADD_QUEUE_JOB_LUA` takes, in this order, as eleven consecutive KEYS of the script that
 * includes it: the union of what BullMQ's standard and prioritized add scripts take.
 */
const QUEUE_KEY_NAMES = ['wait', 'paused', 'meta', 'id', 'completed', 'delayed', 'active', 'events', 'marker', 'prioritized', 'pc'] as const;

export const QUEUE_JOB_KEY_COUNT = QUEUE_KEY_NAMES.length;

/**
 * `addQueueJob(keyBase, queuePrefix, jobId, name, timestamp, data, opts, dedupeKey, priority)`, a Lua function
 * for a script of ours that adds a job in the same atomic step as its own work: BullMQ's own add scripts (standard,
 * or prioritized when `priority` is given), each wrapped in a function of its KEYS and ARGV, so the job, its
 * dedupe mark, its events and its marker are written exactly as `Queue.add` writes them.
 *
 * - `keyBase`: the index in KEYS before the queue's eleven keys (`queueJobKeys`).
 * - `queuePrefix`: `<prefix>:<queue>:`, which the job's id is appended to.
 * - `data`: the job's data as JSON; `opts`: a Lua table of BullMQ's encoded options (`encodedJobOptions`), to which
 *   the job id and the priority are added here.
 * - `dedupeKey`: the full key of the job's dedupe mark, or nil; its options must then be in `opts.de`.
 *
 * Returns what BullMQ's script returns: the id of the job stored, which is another job's id when the dedupe mark or
 * the id already existed, or a negative error code.
 */
export const ADD_QUEUE_JOB_LUA = `
local function bullmqAddStandardJob(KEYS, ARGV)
${STANDARD.content}
end
local function bullmqAddPrioritizedJob(KEYS, ARGV)
${PRIORITIZED.content}
end
local function addQueueJob(keyBase, queuePrefix, jobId, name, timestamp, data, opts, dedupeKey, priority)
  local k = function(i) return KEYS[keyBase + i] end
  -- BullMQ's packed arguments: [1] prefix, [2] custom id, [3] name, [4] timestamp, [9] dedupe key; the rest
  -- (parent, repeat, flow) are absent.
  local args = {}
  args[1] = queuePrefix
  args[2] = jobId
  args[3] = name
  args[4] = timestamp
  args[9] = dedupeKey
  opts['jobId'] = jobId
  if priority then
    opts['priority'] = priority
    return bullmqAddPrioritizedJob({k(9), k(3), k(4), k(10), k(6), k(5), k(7), k(8), k(11)}, {cmsgpack.pack(args), data, cmsgpack.pack(opts)})
  end
  return bullmqAddStandardJob({k(1), k(2), k(3), k(4), k(5), k(6), k(7), k(8), k(9)}, {cmsgpack.pack(args), data, cmsgpack.pack(opts)})
end
`;

/** What a script that includes `ADD_QUEUE_JOB_LUA` needs to know of a queue: its keys and where its ids go. */
export interface QueueJobKeys {
  /** The eleven keys `addQueueJob` reads from KEYS, in order. */
  keys: readonly string[];
  /** `<prefix>:<queue>:`: a job's hash is this and its id. */
  queuePrefix: string;
  /** The key of the dedupe mark of `id`. */
  dedupeKey(id: string): string;
}

/** The keys of `queue` that `ADD_QUEUE_JOB_LUA` takes, as BullMQ names them. */
export function queueJobKeys(queue: Queue): QueueJobKeys {
  const keys = queue.keys;
  return {
    keys: QUEUE_KEY_NAMES.map((name) => keys[name]!),
    queuePrefix: keys['']!,
    dedupeKey: (id) => `${keys.de}:${id}`,
  };
}

/**
 * The options every job of a queue is stored with, as JSON of BullMQ's encoded form: the queue's defaults as
 * `Queue.add` merges them (`attempts` 0 unless given). The job id, its dedupe options and its priority vary per job
 * and are added by the script. Only the options the message queues use are accepted: an option BullMQ encodes
 * under another name, or one that changes which script adds the job (a delay, LIFO, a parent), would be stored
 * wrong, and is refused here.
 */
export function encodedJobOptions(defaults: DefaultJobOptions): string {
  const { attempts, backoff, removeOnComplete, removeOnFail, ...rest } = defaults;
  const others = Object.keys(rest);
  if (others.length > 0) throw new Error(`encodedJobOptions: ${others.join(', ')} not supported`);
  const options: Record<string, unknown> = { attempts: attempts ?? 0 };
  if (backoff !== undefined) options['backoff'] = typeof backoff === 'number' ? { type: 'fixed', delay: backoff } : backoff;
  if (removeOnComplete !== undefined) options['removeOnComplete'] = removeOnComplete;
  if (removeOnFail !== undefined) options['removeOnFail'] = removeOnFail;
  return JSON.stringify(options);
}
