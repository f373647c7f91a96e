import type { WorkerDeps } from '../deps.js';

export type TrimmerDeps = Pick<WorkerDeps, 'redis' | 'keys' | 'logger' | 'shard'>;

/** Entries due longer ago than this are past any sweeper's round: nothing on this shard takes them. */
const STALE_AFTER_MS = 60_000;

/**
 * Keeps a shard's notice schedule bounded on a worker whose queue notices are off. The gateway schedules notices
 * by its own `QUEUE_NOTICE_AFTER_MS`; when the workers have them off, no sweeper takes the entries and no answer
 * start removes them, so a gateway left on would fill the schedule without end. Once a minute this drops the
 * entries due over a minute ago and, the first time it drops any, says the two settings disagree.
 */
export class StaleNoticeTrimmer {
  private timer: NodeJS.Timeout | undefined;
  private warned = false;

  constructor(
    private readonly deps: TrimmerDeps,
    private readonly intervalMs = STALE_AFTER_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.trim().catch((error: unknown) => this.deps.logger.warn({ err: error, shard: this.deps.shard.index }, 'queue notices: could not trim the schedule'));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Drops the entries due before `now` less a minute; returns how many. */
  async trim(now = Date.now()): Promise<number> {
    const dropped = await this.deps.redis.zremrangebyscore(this.deps.keys.noticeDue(), '-inf', `(${now - STALE_AFTER_MS}`);
    if (dropped > 0 && !this.warned) {
      this.warned = true;
      this.deps.logger.warn(
        { shard: this.deps.shard.index, dropped },
        'queue notices are scheduled by a gateway but off on this worker; set QUEUE_NOTICE_AFTER_MS alike on gateways and workers',
      );
    }
    return dropped;
  }
}
