import { requestStop, writeCardAnswer, type Logger, type RedisClient, type RedisKeys } from '@dtbot/shared';

/** An answer about to be written, and what names it to a stop. */
export interface WatchedAnswer {
  jobId: string;
  robotCode: string;
  conversationId: string;
  /** The asker's staff id, or their sender id when they have none. */
  asker: string;
  group: boolean;
  /** The AI card it is written into, when it has one: its stop button names it. */
  outTrackId?: string | undefined;
}

type StopKeys = Pick<RedisKeys, 'stopMark' | 'stopChannel' | 'cardAnswer' | 'runningAnswer' | 'lastAnswer'>;

/** A stop word finds an answer this long after it started at most; longer than any model request. */
const RUNNING_TTL_SECONDS = 3600;
/** A feedback word alone rates the asker's last answer for this long after it. */
const LAST_ANSWER_TTL_SECONDS = 7 * 86_400;

/** Deletes the conversation's running answer only while it is still this job's. */
const DELETE_IF_OWN = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** The stop of one answer as its writer sees it. */
export interface StopWatch {
  /** Aborted once someone allowed to asked to stop this answer. */
  readonly signal: AbortSignal;
  /** Set by the model call when the stop ended it (an answer finished before the stop is not stopped). */
  stopped: boolean;
  /** Who wrote the answer, set as it is asked: its feedback is counted for them. */
  readonly about: { persona?: string; model?: string };
  /** This answer is no longer being written: stops of it are no longer heard, and a stop word no longer finds it. */
  end(): Promise<void>;
}

/**
 * Hears the stops of the answers this process is writing, from any gateway or worker: one subscriber connection
 * per process to the stop channel, and the stop mark read when an answer starts being watched, so a stop announced
 * before this process listened is not lost. After the subscriber reconnects (ioredis subscribes again by itself)
 * every watched answer's mark is read again, for the stops announced while it was away.
 */
export class AnswerStops {
  private readonly watching = new Map<string, AbortController>();
  private subscriber: RedisClient | undefined;
  private subscribed: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StopKeys,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts hearing the answer's stops, and makes it findable: by its card's `outTrackId` (a stop button), and by its
   * asker's conversation (a stop word). Listening comes before the mark is read, so no stop falls between the two.
   */
  async watch(answer: WatchedAnswer): Promise<StopWatch> {
    const { jobId, outTrackId } = answer;
    const controller = new AbortController();
    this.watching.set(jobId, controller);
    const running = this.keys.runningAnswer(answer.robotCode, answer.conversationId, answer.asker);
    const about: StopWatch['about'] = {};
    const end = async () => {
      if (this.watching.get(jobId) === controller) this.watching.delete(jobId);
      const { persona, model } = about;
      const last = this.keys.lastAnswer(answer.robotCode, answer.conversationId, answer.asker);
      await Promise.all([
        this.redis.eval(DELETE_IF_OWN, 1, running, jobId),
        outTrackId ? writeCardAnswer(this.redis, this.keys, outTrackId, { state: 'done', persona, model }) : undefined,
        // Only an answer the model wrote can be rated.
        model ? this.redis.multi().hset(last, { jobId, persona: persona ?? '', model }).expire(last, LAST_ANSWER_TTL_SECONDS).exec() : undefined,
      ]).catch((error: unknown) => this.logger.warn({ jobId, err: error }, 'could not mark the answer as no longer written'));
    };
    try {
      await this.subscribe();
      const card = { jobId, robotCode: answer.robotCode, asker: answer.asker, group: answer.group, state: 'writing' as const };
      const [marked] = await Promise.all([
        this.redis.exists(this.keys.stopMark(jobId)),
        this.redis.set(running, jobId, 'EX', RUNNING_TTL_SECONDS),
        outTrackId ? writeCardAnswer(this.redis, this.keys, outTrackId, card) : undefined,
      ]);
      if (marked > 0) controller.abort();
    } catch (error) {
      // An answer is not refused for want of its stop button: it is written, and cannot be stopped.
      this.logger.warn({ jobId, err: error }, 'cannot listen for stops; this answer cannot be stopped');
    }
    return { signal: controller.signal, stopped: false, about, end };
  }

  /**
   * A stop word: stops the answer its sender's question is getting in this conversation, wherever it is written.
   * Whether there was one to stop.
   */
  async stopRunning(asker: Pick<WatchedAnswer, 'robotCode' | 'conversationId' | 'asker'>): Promise<boolean> {
    const jobId = await this.redis.get(this.keys.runningAnswer(asker.robotCode, asker.conversationId, asker.asker));
    if (!jobId) return false;
    await requestStop(this.redis, this.keys, jobId);
    return true;
  }

  /** Closes the subscriber connection, if one was opened. */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.subscribed = undefined;
    await subscriber?.quit().catch(() => undefined);
  }

  private subscribe(): Promise<void> {
    if (this.subscribed) return this.subscribed;
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, jobId: string) => this.watching.get(jobId)?.abort());
    subscriber.on('error', (error: unknown) => this.logger.debug({ err: error }, 'stop subscriber error'));
    let first = true;
    subscriber.on('ready', () => {
      if (first) {
        first = false;
        return;
      }
      void this.recheckMarks();
    });
    this.subscribed = subscriber.subscribe(this.keys.stopChannel()).then(
      () => undefined,
      async (error: unknown) => {
        // The next answer tries again on a fresh connection.
        this.subscribed = undefined;
        this.subscriber = undefined;
        await subscriber.quit().catch(() => undefined);
        throw error;
      },
    );
    return this.subscribed;
  }

  private async recheckMarks(): Promise<void> {
    for (const [jobId, controller] of this.watching) {
      const marked = await this.redis.exists(this.keys.stopMark(jobId)).catch(() => 0);
      if (marked > 0) controller.abort();
    }
  }
}
