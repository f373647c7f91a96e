import {
  conversationKeyFor,
  dedupeIdFor,
  extractFile,
  extractPictures,
  extractPrompt,
  extractQuote,
  orderKeyFor,
  shardIndexFor,
  type DingTalkCallback,
  type Lane,
  type LanePolicy,
  type MessageSource,
  type Robot,
  type UnnumberedJob,
} from '@dtbot/shared';
import type { ShardStore } from '../shard-stores.js';
import { Refusal } from './refusal.js';
import { robotCodeFor } from './robot-code.js';

/**
 * How long a callback waits for Redis before it is refused (503, or no Stream ACK, so DingTalk pushes it again and
 * nothing is lost). A healthy Redis stores a message in milliseconds; past 1.5 s it is in trouble, and answering soon
 * keeps DingTalk's connections and the gateway's sockets from piling up behind it.
 */
export const ENQUEUE_TIMEOUT_MS = 1500;

/**
 * How long a `robotCode + msgId` is remembered so a redelivery gets no second answer. DingTalk pushes a message again
 * within minutes (a lost ACK, a reconnect); one day covers that many times over, and a mark is a few bytes.
 */
export const DEDUPE_TTL_MS = 86_400_000;

export interface EnqueueDeps {
  /** One store per queue shard, in shard order (`QUEUE_SHARDS`); a message goes to its conversation's. */
  shards: readonly ShardStore[];
  /** A message waits at most this long for Redis before it is refused as `queue_unavailable`. */
  timeoutMs: number;
  /** While Redis is disconnected a message is refused at once rather than after the timeout. */
  isConnected: () => boolean;
  /** Every robot code of this deployment (`robotCodesOf`): none may be claimed by a robot that has no AppKey. */
  robotCodes: ReadonlySet<string>;
  /** Admins', VIPs' messages and commands go ahead of a backlog. */
  lanes: LanePolicy;
  /**
   * `QUEUE_NOTICE_AFTER_MS`: a message whose answer has not started this long after it was stored is told where it
   * stands; 0 = never. Commands are answered ahead of the queue and are never told.
   */
  noticeAfterMs: number;
}

export type EnqueueResult = { stored: 'new' | 'duplicate'; jobId: string };

/**
 * Stores a verified message as a job of the robot it belongs to: that robot's code (the message's
 * own only when the robot's is not configured, and never another robot's: `robotCodeFor`) keys its dedupe, turns and
 * memory. Its number, its job and its dedupe mark are written by one script (`MessageStore`), so a mark never exists
 * without its job, even when Redis runs a timed-out store late: the redelivery then finds the job and is
 * acknowledged without a second one. The mark is kept in the queue of the conversation's shard, where a redelivery
 * (same robot, same conversation) always goes.
 */
export async function enqueueMessage(deps: EnqueueDeps, message: DingTalkCallback, robot: Robot): Promise<EnqueueResult> {
  const robotCode = robotCodeFor(robot, message, deps.robotCodes);
  if (!deps.isConnected()) throw new Refusal('queue_unavailable', 'Redis is not connected', { msgId: message.msgId });
  const plan = planStore(deps, message, robot, robotCode);
  return withTimeout(deps.timeoutMs, message.msgId, () => storeMessageJob(plan, message));
}

/** Where and under which keys a message is stored: everything the store step needs that Redis does not decide. */
export interface StorePlan {
  store: ShardStore;
  robotCode: string;
  orderKey: string;
  conversationKey: string;
  prompt: string;
  lane: Lane;
  /** The verified robot's source (the playground's), never the payload's. */
  source: MessageSource | undefined;
  /** When the message gets its queue notice if its answer has not started; absent for none. */
  noticeAt: number | undefined;
}

/**
 * The store step's work before Redis, in memory only: keys, shard, prompt, lane and notice time. Apart from
 * `enqueueMessage`, the bench times it on its own.
 */
export function planStore(deps: EnqueueDeps, message: DingTalkCallback, robot: Robot, robotCode: string): StorePlan {
  // The fields the keys are made of, with the robot's code: not a copy of the whole message, twice.
  const keyed = { robotCode, conversationId: message.conversationId, senderId: message.senderId, senderStaffId: message.senderStaffId };
  const orderKey = orderKeyFor(keyed, robot.options.memoryScope);
  const conversationKey = conversationKeyFor(keyed);
  const store = deps.shards[shardIndexFor(conversationKey, deps.shards.length)]!;
  const prompt = extractPrompt(message);
  const command = deps.lanes.isCommand(prompt);
  // Where the message came from is the verified robot's word, never the payload's (`vouchesForSender`).
  const lane = deps.lanes.laneOf({ senderStaffId: message.senderStaffId, senderId: message.senderId, source: robot.source }, prompt, command);
  const noticeAt = deps.noticeAfterMs > 0 && !command ? Date.now() + deps.noticeAfterMs : undefined;
  return { store, robotCode, orderKey, conversationKey, prompt, lane, source: robot.source, noticeAt };
}

/**
 * Stores the message's job in one step: numbered, prioritized by its lane and its conversation's load, deduplicated
 * and scheduled for its queue notice. A redelivery (its dedupe mark exists) gets the stored job's id, and its number
 * is given back in the same step. Apart from `enqueueMessage`, the bench times it on its own.
 */
export async function storeMessageJob(plan: StorePlan, message: DingTalkCallback): Promise<EnqueueResult> {
  const { store, robotCode, orderKey, conversationKey, prompt, lane, noticeAt } = plan;
  const job: UnnumberedJob = {
    msgId: message.msgId,
    robotCode,
    msgtype: message.msgtype,
    prompt,
    ...messageExtras(message),
    conversationId: message.conversationId,
    conversationType: message.conversationType,
    conversationTitle: message.conversationTitle,
    senderId: message.senderId,
    senderNick: message.senderNick,
    senderStaffId: message.senderStaffId || undefined,
    sessionWebhook: message.sessionWebhook,
    sessionWebhookExpiredTime: message.sessionWebhookExpiredTime,
    createAt: message.createAt,
    receivedAt: Date.now(),
    orderKey,
    conversationKey,
    // From the robot the transport named, never the payload: only the playground's robot makes a
    // playground job, which workers may answer through the playground alone.
    ...(plan.source ? { source: plan.source } : {}),
    lane,
  };
  // Lanes and fair scheduling (`jobPriorityFor`, in the script): admins', VIPs' messages and commands before the
  // rest, and within each lane a conversation's n-th unanswered message behind every other conversation's earlier
  // ones, so one flooding group cannot starve the rest.
  const stored = await store.messages.store({
    job,
    lane,
    orderKey,
    conversationKey,
    ...(noticeAt !== undefined ? { noticeAt } : {}),
    dedupeId: dedupeIdFor(robotCode, message.msgId),
  });
  return { stored: stored.stored, jobId: stored.jobId };
}

/**
 * `work`, refused as `queue_unavailable` when it fails or has not settled within `ms`. One promise and one timer,
 * not a race of two promises: it runs for every message.
 */
function withTimeout<T>(ms: number, msgId: string, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Refusal('queue_unavailable', `no answer from Redis within ${ms} ms`, { msgId })), ms);
    work().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Refusal ? error : new Refusal('queue_unavailable', undefined, { cause: error, msgId }));
      },
    );
  });
}

/** Pictures, a quote and a file, only when the message has them: most jobs stay as small as before. */
function messageExtras(message: DingTalkCallback): Pick<UnnumberedJob, 'pictures' | 'quote' | 'file'> {
  const pictures = extractPictures(message);
  const quote = extractQuote(message);
  const file = extractFile(message);
  return { ...(pictures.length > 0 ? { pictures } : {}), ...(quote !== undefined ? { quote } : {}), ...(file ? { file } : {}) };
}
