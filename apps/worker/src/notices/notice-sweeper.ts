import { QueuePosition } from '@dtbot/queue';
import { recognizeCommand } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { deliverNotice, type DeliverNoticeDeps } from './deliver-notice.js';
import { drainRate, sinceLastStartMs } from './drain-rate.js';
import { estimatedWaitSeconds, noticeText } from './notice-text.js';
import type { NoticeSchedule } from './notice-schedule.js';
import { StaleNoticeTrimmer, type TrimmerDeps } from './stale-notice-trimmer.js';

export type SweeperDeps = DeliverNoticeDeps &
  Pick<WorkerDeps, 'redis' | 'queue' | 'settings' | 'metrics' | 'logger' | 'shard'> & { notices: NoticeSchedule };

/** A shard as `noticeSweepers` takes it: its notices may be off. */
export type NoticeShardDeps = Omit<SweeperDeps, 'notices'> & Pick<WorkerDeps, 'notices'>;

export interface SweeperOptions {
  /** How often due notices are looked for: how late after `QUEUE_NOTICE_AFTER_MS` a notice may go out. */
  intervalMs: number;
  /** Notices sent at once by one sweeper; more wait for the next round. */
  batch: number;
}

/** A job that is about to start, or moved while it was read, is looked at again this much later. */
const LOOK_AGAIN_MS = 1000;

export type NoticeResult = 'sent' | 'skipped' | 'later' | 'failed';

/** The drain a round's notices estimate their wait from. */
interface Drain {
  startsPerSecond: number | undefined;
  sinceLastStartMs: number;
}

/**
 * Tells each message of one queue shard whose answer has not started `QUEUE_NOTICE_AFTER_MS` after it arrived
 * where it stands: every worker process runs one per shard, and the schedule gives each due message to one of
 * them. A message is skipped when its answer already started (or was given up), or when it is a command; one whose
 * job is running but not yet answering is looked at again shortly. A notice that cannot be delivered is not tried
 * again: it only said "wait", and the answer itself is on its way.
 */
export class NoticeSweeper {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<unknown> | undefined;
  private stopped = true;
  private readonly positions: QueuePosition;

  constructor(
    private readonly deps: SweeperDeps,
    private readonly options: SweeperOptions = { intervalMs: 250, batch: 50 },
  ) {
    this.positions = new QueuePosition(deps.redis, deps.queue);
  }

  start(): void {
    this.stopped = false;
    this.next();
  }

  /** Stops looking; a round in progress finishes its notices first. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** Sends the notices due at `dueBy` (epoch ms; now by default), one result per message taken off the schedule. */
  async sweep(dueBy = Date.now()): Promise<NoticeResult[]> {
    const due = await this.deps.notices.takeDue(dueBy, this.options.batch);
    if (due.length === 0) return [];
    const drain = await this.readDrain();
    return Promise.all(due.map((jobId) => this.notify(jobId, drain)));
  }

  /**
   * The drain as of one read of the start log, which serves the whole round: judged at the moment of the read,
   * since a round of many notices can take longer than the time between two starts, and a log read at its start
   * would look like a stalled drain by its end. Unknown when the log cannot be read: notices then say only the place.
   */
  private async readDrain(): Promise<Drain> {
    try {
      const starts = await this.deps.notices.recentStarts();
      const readAt = Date.now();
      return { startsPerSecond: drainRate(starts, readAt), sinceLastStartMs: sinceLastStartMs(starts, readAt) };
    } catch (error) {
      this.deps.logger.warn({ err: error, shard: this.deps.shard.index }, 'queue notices: could not read the start log; notices go without a wait');
      return { startsPerSecond: undefined, sinceLastStartMs: 0 };
    }
  }

  private next(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.sweep()
        .catch((error: unknown) => this.deps.logger.warn({ err: error, shard: this.deps.shard.index }, 'queue notices: could not read the schedule'))
        .finally(() => {
          this.round = undefined;
          this.next();
        });
    }, this.options.intervalMs);
  }

  private async notify(jobId: string, drain: Drain): Promise<NoticeResult> {
    const { notices, queue, logger } = this.deps;
    if (!(await notices.claim(jobId))) return this.count('skipped');
    try {
      const job = await queue.getJob(jobId);
      const state = job ? await job.getState() : 'unknown';
      // Gone (a redelivery's number never got a job), finished, or a command: nothing to tell.
      if (!job || state === 'completed' || state === 'failed' || state === 'unknown' || recognizeCommand(job.data.prompt, this.deps.settings)) {
        await notices.settle(jobId, 'skipped');
        return this.count('skipped');
      }
      const place = await this.positions.of(job, state);
      if (place === undefined) {
        await notices.reschedule(jobId, Date.now() + LOOK_AGAIN_MS);
        await notices.release(jobId);
        return 'later';
      }
      const { ahead, countedAt } = place;
      const { startsPerSecond, sinceLastStartMs: sinceLastStart } = drain;
      const route = await deliverNotice(this.deps, jobId, job.data, noticeText(ahead, startsPerSecond, sinceLastStart));
      await notices.settle(jobId, 'sent');
      // Logged as counted (when) and estimated (unrounded), so that a notice can be checked against what happened.
      const estimateSeconds = estimatedWaitSeconds(ahead, startsPerSecond, sinceLastStart);
      logger.info({ jobId, msgId: job.data.msgId, state, ahead, countedAt, startsPerSecond, estimateSeconds, route }, 'queue notice sent');
      return this.count('sent');
    } catch (error) {
      await notices.settle(jobId, 'skipped').catch(() => undefined);
      logger.warn({ jobId, err: error }, 'queue notice not delivered; the answer still comes');
      return this.count('failed');
    }
  }

  private count<T extends NoticeResult>(result: T): T {
    this.deps.metrics.queueNotices.inc({ result });
    return result;
  }
}

/** A sweeper for each shard whose notices are on (`QUEUE_NOTICE_AFTER_MS` > 0), not started. */
export function noticeSweepers(shards: readonly NoticeShardDeps[], options?: SweeperOptions): NoticeSweeper[] {
  return shards.flatMap(({ notices, ...deps }) => (notices ? [new NoticeSweeper({ ...deps, notices }, options)] : []));
}

/** A trimmer for each shard whose notices are off, so that a gateway with notices on cannot grow its schedule. */
export function staleNoticeTrimmers(shards: readonly (TrimmerDeps & Pick<WorkerDeps, 'notices'>)[]): StaleNoticeTrimmer[] {
  return shards.flatMap((deps) => (deps.notices ? [] : [new StaleNoticeTrimmer(deps)]));
}
