import { CARD_ANSWER_TTL_SECONDS, cardAnswerFields, requestStop, type Logger, type RedisClient, type RedisKeys } from '@dtbot/shared';
import { quoteHead } from '../usage/quote-head.js';

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

/** The stop of one answer as its writer sees it. */
export interface StopWatch {
  /** Aborted once someone allowed to asked to stop this answer. */
  readonly signal: AbortSignal;
  /** Set by the model call when the stop ended it (an answer finished before the stop is not stopped). */
  stopped: boolean;
  /** Who wrote the answer, set as it is asked: its feedback is counted for them. */
  readonly about: { persona?: string; model?: string };
  /**
   * The answer is no longer being written: stops of it are no longer heard, a stop word no longer finds it. With the
   * text the model wrote (`about.model` set), it becomes what feedback rates: the asker's last answer, and one of
   * the conversation's latest a quote can name.
   */
  end(text?: string): Promise<void>;
}

type StopKeys = Pick<RedisKeys, 'stopMark' | 'stopChannel' | 'cardAnswer' | 'askerAnswer' | 'recentAnswers'>;

/** A feedback word alone rates the asker's last answer for this long after it; a quote finds one as long. */
const ANSWER_TTL_SECONDS = 7 * 86_400;
/** Answers of a conversation a quoting feedback word can still find, newest first. */
export const RECENT_ANSWERS = 20;
/** Opening characters of an answer kept to compare quotes with. */
const HEAD_LENGTH = 200;

/**
 * Hears the stops of the answers this process is writing, from any gateway or worker: one subscriber connection
 * per process to the stop channel, and the stop mark read when an answer starts being watched, so a stop announced
 * before this process listened is not lost. After the subscriber reconnects (ioredis subscribes again by itself)
 * every watched answer's mark is read again, for the stops announced while it was away. Each start and end of an
 * answer is one round trip to Redis.
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
    const asker = this.keys.askerAnswer(answer.robotCode, answer.conversationId, answer.asker);
    const about: StopWatch['about'] = {};
    const end = async (text?: string) => {
      if (this.watching.get(jobId) === controller) this.watching.delete(jobId);
      const { persona = '', model } = about;
      const written = model !== undefined && text !== undefined;
      const batch = this.redis.pipeline().hset(asker, { jobId, state: 'done', persona, model: model ?? '' }).expire(asker, ANSWER_TTL_SECONDS);
      if (outTrackId) {
        const card = this.keys.cardAnswer(outTrackId);
        batch.hset(card, cardAnswerFields({ state: 'done', persona, model: model ?? '' })).expire(card, CARD_ANSWER_TTL_SECONDS);
      }
      if (written) {
        const recent = this.keys.recentAnswers(answer.robotCode, answer.conversationId);
        const entry = JSON.stringify({ jobId, persona, model, head: quoteHead(text, HEAD_LENGTH) });
        batch.lpush(recent, entry).ltrim(recent, 0, RECENT_ANSWERS - 1).expire(recent, ANSWER_TTL_SECONDS);
      }
      await batch.exec().catch((error: unknown) => this.logger.warn({ jobId, err: error }, 'could not mark the answer as no longer written'));
    };
    try {
      await this.subscribe();
      const batch = this.redis
        .pipeline()
        .exists(this.keys.stopMark(jobId))
        // A stale answer of a worker that died is no longer `writing` once its TTL is over.
        .hset(asker, { jobId, state: 'writing', persona: '', model: '' })
        .expire(asker, ANSWER_TTL_SECONDS);
      if (outTrackId) {
        const card = this.keys.cardAnswer(outTrackId);
        const fields = cardAnswerFields({ jobId, robotCode: answer.robotCode, asker: answer.asker, group: answer.group, state: 'writing' });
        batch.hset(card, fields).expire(card, CARD_ANSWER_TTL_SECONDS);
      }
      const results = await batch.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('the pipeline was not run');
      if (Number(results[0]![1]) > 0) controller.abort();
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
    const { jobId, state } = await this.redis.hgetall(this.keys.askerAnswer(asker.robotCode, asker.conversationId, asker.asker));
    if (!jobId || state !== 'writing') return false;
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
