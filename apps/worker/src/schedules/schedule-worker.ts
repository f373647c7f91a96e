import { createQueueWorker, failForGood, scheduleTickOf, type Worker } from '@dtbot/queue';
import { conversationKeyFor, SCHEDULE_QUEUE_NAME, shardIndexFor, type RedisClient } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { scheduleDefinitionSchema, type ScheduleDefinition } from './schedule-definition.js';
import { storeScheduledMessage, type ScheduledMessageDeps } from './scheduled-message.js';

export type ScheduleWorkerDeps = ScheduledMessageDeps & Pick<WorkerDeps, 'logger' | 'schedules'>;

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
    shards[0]?.logger.info({ schedule: job.data.id, tickJob: job.id, jobId, stored }, 'scheduled prompt stored');
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

/** One tick: its schedule's prompt stored as a message of the chat, named by the schedule and the tick's time. */
export async function storeTick(
  shards: readonly ScheduledMessageDeps[],
  job: Parameters<typeof scheduleTickOf>[0] & { data: unknown },
): Promise<{ stored: 'new' | 'duplicate'; jobId: string }> {
  const tick = scheduleTickOf(job);
  const parsed = scheduleDefinitionSchema.safeParse(job.data);
  if (!tick || !parsed.success) throw failForGood('not a tick of a scheduled prompt');
  const definition = parsed.data;
  const shard = shards[shardIndexFor(conversationKeyFor(definition), shards.length)]!;
  return storeScheduledMessage(shard, definition, `tick-${tick.dueAt}`);
}
