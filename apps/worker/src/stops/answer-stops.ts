import { z } from 'zod';
import { CARD_ANSWER_TTL_SECONDS, STOP_MARK_TTL_SECONDS, cardAnswerFields, type Logger, type RedisClient, type RedisKeys } from '@dtbot/shared';
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
  /**
   * The job's first take: nothing can have asked to stop it yet, so no stop mark is read. A mark names a job found
   * in a record only `watch` writes (its card's), or a job a stop word found being written: both come after this.
   */
  firstStart?: boolean | undefined;
}

/** Who a stop word is from: it stops the answer being written to that asker in that conversation. */
export type StopWordAsker = Pick<WatchedAnswer, 'robotCode' | 'conversationId' | 'asker'>;

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

type StopKeys = Pick<
  RedisKeys,
  'stopMark' | 'stopChannel' | 'stopWordChannel' | 'stopWordMark' | 'cardAnswer' | 'lastAnswer' | 'recentAnswers'
>;

/** A feedback word alone rates the asker's last answer for this long after it; a quote finds one as long. */
const ANSWER_TTL_SECONDS = 7 * 86_400;
/** Answers of a conversation a quoting feedback word can still find, newest first. */
export const RECENT_ANSWERS = 20;
/** The list is cut back to `RECENT_ANSWERS` once it holds this many: one `LTRIM` every so many answers, not each. */
const RECENT_ANSWERS_KEPT_AT_MOST = 2 * RECENT_ANSWERS;
/** Opening characters of an answer kept to compare quotes with. */
const HEAD_LENGTH = 200;
/** What the worker that stopped a stop word's answer sets the stop word's outcome key to. */
export const STOP_WORD_STOPPED = 'stopped';
/** As long as a job's delivery records: a retry of the stop word says what its first attempt found. */
export const STOP_WORD_OUTCOME_TTL_SECONDS = 86_400;

/** A stop word as published: whose answer, the key its outcome is kept under, and when it was sent (ms). */
const stopWordSchema = z.object({
  robotCode: z.string(),
  conversationId: z.string(),
  asker: z.string(),
  outcome: z.string().min(1),
  at: z.number(),
});
type StopWord = z.infer<typeof stopWordSchema>;

/** An answer being written in this process, as a stop word finds it. */
interface Writer {
  jobId: string;
  asker: StopWordAsker;
  controller: AbortController;
  /** When it started being watched (ms): a stop word read back after a reconnect stops only answers begun before it. */
  since: number;
}

/**
 * Hears the stops of the answers this process is writing, from any gateway or worker, on one subscriber connection
 * per process. A card's stop button names the job (`requestStop`: a mark, then its id on the stop channel); a
 * stop word names its asker, and reaches the worker writing that asker's answer over the stop-word channel: the
 * answers being written are known only in the memory of the processes writing them, so an answer costs Redis
 * nothing when it starts. A job taken again reads its mark, for a stop asked of an earlier take. After the
 * subscriber reconnects (ioredis subscribes again by itself) every watched answer's mark, and its asker's last
 * stop word, are read again, for the stops announced while it was away.
 */
export class AnswerStops {
  private readonly watching = new Map<string, AbortController>();
  /** The answers being written, by asker (`askerId`): one at a time, since an asker's answers share a turn. */
  private readonly writers = new Map<string, Writer>();
  private subscriber: RedisClient | undefined;
  private subscribed: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StopKeys,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts hearing the answer's stops, and makes it findable: by its card's `outTrackId` (a stop button, a record
   * in Redis), and by its asker (a stop word, in this process' memory). Listening comes before the mark is read and
   * the card is recorded, so no stop falls between the two.
   */
  async watch(answer: WatchedAnswer): Promise<StopWatch> {
    const { jobId, outTrackId } = answer;
    const controller = new AbortController();
    const writer: Writer = { jobId, asker: answer, controller, since: Date.now() };
    const asker = askerId(answer);
    this.watching.set(jobId, controller);
    const about: StopWatch['about'] = {};
    const end = async (text?: string) => {
      if (this.watching.get(jobId) === controller) this.watching.delete(jobId);
      if (this.writers.get(asker) === writer) this.writers.delete(asker);
      await this.recordEnd(answer, about, text).catch((error: unknown) => this.logger.warn({ jobId, err: error }, 'could not mark the answer as no longer written'));
    };
    try {
      await this.subscribe();
      this.writers.set(asker, writer);
      const readMark = answer.firstStart !== true;
      if (readMark || outTrackId) {
        const batch = this.redis.pipeline();
        if (readMark) batch.exists(this.keys.stopMark(jobId));
        if (outTrackId) {
          const card = this.keys.cardAnswer(outTrackId);
          const fields = cardAnswerFields({ jobId, robotCode: answer.robotCode, asker: answer.asker, group: answer.group, state: 'writing' });
          batch.hset(card, fields).expire(card, CARD_ANSWER_TTL_SECONDS);
        }
        const results = await batch.exec();
        const failed = results?.find(([error]) => error);
        if (!results || failed) throw failed?.[0] ?? new Error('the pipeline was not run');
        if (readMark && Number(results[0]![1]) > 0) controller.abort();
      }
    } catch (error) {
      // An answer is not refused for want of its stop button: it is written, and cannot be stopped.
      this.logger.warn({ jobId, err: error }, 'cannot listen for stops; this answer cannot be stopped');
    }
    return { signal: controller.signal, stopped: false, about, end };
  }

  /**
   * A stop word: asks whichever worker writes the answer its sender's question is getting in this conversation to
   * stop it. That worker sets `outcomeKey` to `STOP_WORD_STOPPED` before the answer ends, so before the turn the
   * answer holds ends: the stop word's reply, which waits for that turn, reads it. No worker writing one sets nothing.
   */
  async stopRunning(asker: StopWordAsker, outcomeKey: string): Promise<void> {
    const word: StopWord = { robotCode: asker.robotCode, conversationId: asker.conversationId, asker: asker.asker, outcome: outcomeKey, at: Date.now() };
    const text = JSON.stringify(word);
    const results = await this.redis
      .pipeline()
      .set(this.keys.stopWordMark(asker.robotCode, asker.conversationId, asker.asker), text, 'EX', STOP_MARK_TTL_SECONDS)
      .publish(this.keys.stopWordChannel(), text)
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('the pipeline was not run');
  }

  /** Closes the subscriber connection, if one was opened. */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.subscribed = undefined;
    await subscriber?.quit().catch(() => undefined);
  }

  /**
   * What feedback rates, once the answer ends: in a group the asker's last answer (its own key), and when written one
   * of the conversation's latest; in a private chat, where the conversation has one asker, the newest of its latest
   * is the asker's last answer, so an answer ended unwritten goes there too (with no opening words for a quote).
   */
  private async recordEnd(answer: WatchedAnswer, about: StopWatch['about'], text: string | undefined): Promise<void> {
    const { jobId, outTrackId } = answer;
    const { persona = '', model } = about;
    const written = model !== undefined && text !== undefined;
    const batch = this.redis.pipeline();
    if (answer.group) {
      const last = JSON.stringify({ jobId, persona, model: model ?? '' });
      batch.set(this.keys.lastAnswer(answer.robotCode, answer.conversationId, answer.asker), last, 'EX', ANSWER_TTL_SECONDS);
    }
    if (outTrackId) {
      const card = this.keys.cardAnswer(outTrackId);
      batch.hset(card, cardAnswerFields({ state: 'done', persona, model: model ?? '' })).expire(card, CARD_ANSWER_TTL_SECONDS);
    }
    const recent = this.keys.recentAnswers(answer.robotCode, answer.conversationId);
    const pushed = written || !answer.group ? batch.length : undefined;
    if (pushed !== undefined) {
      const entry = JSON.stringify({ jobId, persona, model: model ?? '', head: written ? quoteHead(text, HEAD_LENGTH) : '' });
      batch.lpush(recent, entry).expire(recent, ANSWER_TTL_SECONDS);
    }
    if (batch.length === 0) return;
    const results = await batch.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('the pipeline was not run');
    if (pushed !== undefined && Number(results[pushed]![1]) >= RECENT_ANSWERS_KEPT_AT_MOST) await this.redis.ltrim(recent, 0, RECENT_ANSWERS - 1);
  }

  private subscribe(): Promise<void> {
    if (this.subscribed) return this.subscribed;
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    const stops = this.keys.stopChannel();
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === stops) this.watching.get(message)?.abort();
      else this.heardStopWord(message);
    });
    subscriber.on('error', (error: unknown) => this.logger.debug({ err: error }, 'stop subscriber error'));
    let first = true;
    subscriber.on('ready', () => {
      if (first) {
        first = false;
        return;
      }
      void this.recheckMarks();
    });
    this.subscribed = subscriber.subscribe(stops, this.keys.stopWordChannel()).then(
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

  /** A stop word as published: stops its asker's answer if this process writes it. */
  private heardStopWord(message: string): void {
    const word = readStopWord(message);
    const writer = word && this.writers.get(askerId(word));
    if (writer) void this.stopForWord(writer, word);
  }

  /**
   * Stops the answer a stop word found: its outcome first, so the stop word's reply finds it whenever the answer
   * ends, and the job's mark, so a take of the job again stays stopped.
   */
  private async stopForWord(writer: Writer, word: StopWord): Promise<void> {
    // Two commands, not one pipeline: the outcome is a key of the stop word's queue shard and the mark one of the
    // shared prefix, two hash tags that a Redis Cluster may keep on two masters.
    await Promise.all([
      this.redis.set(word.outcome, STOP_WORD_STOPPED, 'EX', STOP_WORD_OUTCOME_TTL_SECONDS),
      this.redis.set(this.keys.stopMark(writer.jobId), '1', 'EX', STOP_MARK_TTL_SECONDS),
    ]).catch((error: unknown) => this.logger.warn({ jobId: writer.jobId, err: error }, 'could not record a stop word\'s outcome'));
    writer.controller.abort();
  }

  private async recheckMarks(): Promise<void> {
    for (const [jobId, controller] of this.watching) {
      const marked = await this.redis.exists(this.keys.stopMark(jobId)).catch(() => 0);
      if (marked > 0) controller.abort();
    }
    for (const [asker, writer] of this.writers) {
      const { robotCode, conversationId, asker: user } = writer.asker;
      const word = readStopWord(await this.redis.get(this.keys.stopWordMark(robotCode, conversationId, user)).catch(() => null));
      // Only a stop word sent while this answer was being written was meant for it.
      if (word && word.at >= writer.since && this.writers.get(asker) === writer) await this.stopForWord(writer, word);
    }
  }
}

function askerId(asker: StopWordAsker): string {
  return `${asker.robotCode}\n${asker.conversationId}\n${asker.asker}`;
}

function readStopWord(text: string | null): StopWord | undefined {
  if (!text) return undefined;
  try {
    const word = stopWordSchema.safeParse(JSON.parse(text) as unknown);
    return word.success ? word.data : undefined;
  } catch {
    return undefined;
  }
}
