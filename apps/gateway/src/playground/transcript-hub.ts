import type { Logger, RedisClient } from '@dtbot/shared';
import { PLAYGROUND_LIMITS } from './playground-limits.js';

/** One page's event stream, woken when its session's transcript may have grown. */
export interface TranscriptListener {
  sessionId: string;
  wake(): void;
  /** Ends the stream (the gateway is stopping). */
  end(): void;
}

/**
 * The event streams this gateway holds, and the one Redis subscription that wakes them. Whoever
 * adds to a transcript (this gateway a question, a worker an answer: `deliverPlaygroundAnswer`)
 * publishes the session's id on the playground's channel; every gateway hears it and wakes the
 * streams it holds for that session, which then read the transcript. The channel only nudges: the
 * transcript in Redis is the truth, so a lost nudge costs a delay, not an answer.
 */
export class TranscriptHub {
  private readonly listeners = new Map<string, Set<TranscriptListener>>();
  private count = 0;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, sessionId: string) => {
      if (channel === this.channel) for (const listener of this.listeners.get(sessionId) ?? []) listener.wake();
    });
    // Nudges published while the subscription was down are lost: after a reconnect every stream looks again.
    this.subscriber.on('ready', () => {
      for (const set of this.listeners.values()) for (const listener of set) listener.wake();
    });
    this.subscriber.on('error', (error: Error) => this.logger.warn({ err: error.message }, 'playground subscription error'));
    await this.subscriber.subscribe(this.channel);
  }

  /** Registers a stream; false when this gateway or this session already holds as many as it may. */
  add(listener: TranscriptListener): boolean {
    const set = this.listeners.get(listener.sessionId) ?? new Set();
    if (this.count >= PLAYGROUND_LIMITS.eventStreams || set.size >= PLAYGROUND_LIMITS.eventStreamsPerSession) return false;
    set.add(listener);
    this.listeners.set(listener.sessionId, set);
    this.count += 1;
    return true;
  }

  remove(listener: TranscriptListener): void {
    const set = this.listeners.get(listener.sessionId);
    if (!set?.delete(listener)) return;
    this.count -= 1;
    if (set.size === 0) this.listeners.delete(listener.sessionId);
  }

  /** Ends every stream (so the server can close) and the subscription. */
  async close(): Promise<void> {
    for (const set of [...this.listeners.values()]) for (const listener of [...set]) listener.end();
    await this.subscriber.quit().catch(() => undefined);
  }
}
