import { createQueueWorker, failForGood, scheduleTickOf, type Worker } from '@dtbot/queue';
import { conversationKeyFor, SCHEDULE_QUEUE_NAME, shardIndexFor, type RedisClient } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { scheduleDefinitionSchema, type ScheduleDefinition } from './schedule-definition.js';
import { storeScheduledMessage, type ScheduledMessageDeps } from './scheduled-message.js';

export type ScheduleWorkerDeps = ScheduledMessageDeps & Pick<WorkerDeps, 'logger' | 'schedules' | 'access'>;

export interface ScheduleWorkerOptions {
  /** The configured prefix (`REDIS_PREFIX`): the schedules' queue is under it whatever the shards. */
  prefix: string;
  /** Ticks stored at once; each is two Redis round trips. */
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * The BullMQ worker of the schedules' ticks: each tick BullMQ makes is stored as a message of its chat, in that
 * chat's shard, and answered there like any message. BullMQ gives each tick one job, taken by one worker; a tick
 * taken over after its worker died is stored again under the same name and deduplicated (`storeScheduledMessage`).
 */
export function createScheduleWorker(shards: readonly ScheduleWorkerDeps[], connection: RedisClient, options: ScheduleWorkerOptions): Worker<ScheduleDefinition> {
  const worker = createQueueWorker<ScheduleDefinition>(SCHEDULE_QUEUE_NAME, async (job) => {
    const { stored, jobId } = await storeTick(shards, job);
    // After its one run is stored: a tick taken over finds the run by its mark, and the schedule gone is no harm.
    if (job.data.once) await shards[0]!.schedules.remove(job.data);
    if (stored === 'refused') shards[0]?.logger.warn({ schedule: job.data.id, tickJob: job.id }, 'scheduled prompt skipped: the access lists refuse its sender');
    else shards[0]?.logger.info({ schedule: job.data.id, tickJob: job.id, jobId, stored }, 'scheduled prompt stored');
  }, {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 10,
    lockDurationMs: options.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs,
    maxStalledCount: 2,
  });
  worker.on('error', (error) => shards[0]?.logger.error({ err: error }, 'schedule worker error'));
  return worker;
}

/**
 * One tick: its schedule's prompt stored as a message of the chat, named by the schedule and the tick's time. A tick
 * whose sender the access lists now refuse (denied since it was set up) is skipped: a refusal posted into the chat
 * on a timer would help nobody.
 */
export async function storeTick(
  shards: readonly (ScheduledMessageDeps & Pick<WorkerDeps, 'access'>)[],
  job: Parameters<typeof scheduleTickOf>[0] & { data: unknown },
): Promise<{ stored: 'new' | 'duplicate' | 'refused'; jobId?: string }> {
  const tick = scheduleTickOf(job);
  const parsed = scheduleDefinitionSchema.safeParse(job.data);
  if (!tick || !parsed.success) throw failForGood('not a tick of a scheduled prompt');
  const definition = parsed.data;
  const asker = {
    senderId: definition.senderId,
    senderStaffId: definition.senderStaffId,
    conversationId: definition.conversationId,
    conversationType: definition.group ? ('2' as const) : ('1' as const),
    ...(definition.playground ? { source: 'playground' as const } : {}),
  };
  if (!shards[0]!.access.decide(asker).allowed) return { stored: 'refused' };
  const shard = shards[shardIndexFor(conversationKeyFor(definition), shards.length)]!;
  return storeScheduledMessage(shard, definition, `tick-${tick.dueAt}`);
}
