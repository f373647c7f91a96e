import { CronExpressionParser } from 'cron-parser';
import type { Job, Queue } from 'bullmq';

/** When a schedule fires: a standard five-field cron pattern read in an IANA time zone. */
export interface ScheduleTiming {
  pattern: string;
  timeZone: string;
  /** Ticks it makes in all, then no more (BullMQ's `limit`); unset = no end. */
  runs?: number;
}

/** A schedule as BullMQ keeps it: its timing, the data each tick's job carries and when it fires next. */
export interface StoredSchedule<T> extends Omit<ScheduleTiming, 'runs'> {
  id: string;
  data: T;
  /** The next tick (ms), `undefined` while BullMQ is between two (a tick being taken). */
  nextAt: number | undefined;
}

/** One tick of a schedule, read from the job BullMQ made for it. */
export interface ScheduleTick {
  scheduleId: string;
  /** The moment the tick was due (ms): with the schedule's id it names the tick, whichever worker takes it. */
  dueAt: number;
}

/** A tick's job lingers a little for the dashboard, and failed ones a week for an operator. */
const TICK_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { age: 7 * 86_400 },
} as const;

/** Minute, hour, day of month, month, day of week: the parser would also take a sixth field of seconds. */
const CRON_FIELDS = 5;

/**
 * Why a pattern cannot time a schedule, or `undefined` when it can: exactly five fields (so at most once a minute),
 * read by the cron parser BullMQ itself times its schedulers with, so what passes here BullMQ accepts.
 */
export function cronProblem(pattern: string, timeZone: string): string | undefined {
  const fields = pattern.trim().split(/\s+/).filter((field) => field !== '');
  if (fields.length !== CRON_FIELDS) return `a cron pattern has ${CRON_FIELDS} fields (minute hour day month weekday), this has ${fields.length}`;
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: timeZone, strict: false }).next();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : 'not a cron pattern';
  }
}

/** The first tick strictly after `after` (ms), as BullMQ will compute it. */
export function nextTickAfter(timing: ScheduleTiming, after: number): number {
  return CronExpressionParser.parse(timing.pattern.trim(), { tz: timing.timeZone, currentDate: new Date(after) }).next().getTime();
}

/**
 * Creates or replaces a schedule: one BullMQ job scheduler whose every tick is one job named `jobName` carrying
 * `data`. BullMQ keeps one pending job per scheduler and makes the next one only when a worker takes the current
 * one, so a tick missed while no worker ran is run once when one starts, never once per missed tick.
 */
export async function upsertSchedule<T>(queue: Queue<T>, id: string, timing: ScheduleTiming, jobName: string, data: T): Promise<void> {
  const problem = cronProblem(timing.pattern, timing.timeZone);
  if (problem) throw new Error(`schedule ${id}: ${problem}`);
  // BullMQ types a job's name from its data type; the template's name is any string.
  await (queue as Queue).upsertJobScheduler(
    id,
    { pattern: timing.pattern.trim().split(/\s+/).join(' '), tz: timing.timeZone, ...(timing.runs !== undefined ? { limit: timing.runs } : {}) },
    { name: jobName, data, opts: TICK_JOB_OPTIONS },
  );
}

/** Removes a schedule and its pending tick; `false` when there was none. */
export async function removeSchedule(queue: Queue, id: string): Promise<boolean> {
  return queue.removeJobScheduler(id);
}

/** A schedule as stored, or `undefined` when there is none by that id. */
export async function storedSchedule<T>(queue: Queue<T>, id: string): Promise<StoredSchedule<T> | undefined> {
  const found = await queue.getJobScheduler(id);
  if (!found?.pattern) return undefined;
  return {
    id,
    pattern: found.pattern,
    timeZone: found.tz ?? 'UTC',
    data: found.template?.data as T,
    nextAt: found.next,
  };
}

/** The tick a job is, or `undefined` for a job no scheduler made. */
export function scheduleTickOf(job: Job): ScheduleTick | undefined {
  const scheduleId = job.repeatJobKey;
  const dueAt = (job.opts as { prevMillis?: unknown }).prevMillis;
  if (!scheduleId || typeof dueAt !== 'number') return undefined;
  return { scheduleId, dueAt };
}
