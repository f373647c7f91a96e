import { z } from 'zod';
import { readFeedbackTally, recordVote, type FeedbackRow, type RatedAnswer, type RedisClient, type RedisKeys, type Vote, type VoteOutcome } from '@dtbot/shared';
import { quoteHead } from './quote-head.js';
import { RECENT_ANSWERS } from '../stops/answer-stops.js';


const recentSchema = z.object({ jobId: z.string(), persona: z.string(), model: z.string(), head: z.string() });
const lastSchema = z.object({ jobId: z.string(), persona: z.string(), model: z.string() });

/**
 * Ratings of answers: each person's vote per answer, and each robot's tally by model and persona, in Redis. The
 * answers they rate are kept as they end (`AnswerStops`).
 */
export class AnswerFeedback {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Pick<RedisKeys, 'lastAnswer' | 'recentAnswers' | 'feedbackVotes' | 'feedbackTally'>,
  ) {}

  /**
   * The asker's last answer in a conversation, if a model wrote it and it is still remembered: in a group its own
   * record, in a private chat (one asker) the conversation's newest answer.
   */
  async lastAnswer(robotCode: string, conversationId: string, user: string, group: boolean): Promise<RatedAnswer | undefined> {
    const raw = group
      ? await this.redis.get(this.keys.lastAnswer(robotCode, conversationId, user))
      : (await this.redis.lrange(this.keys.recentAnswers(robotCode, conversationId), 0, 0))[0];
    const last = lastSchema.safeParse(parseJson(raw ?? ''));
    if (!last.success || !last.data.jobId || !last.data.model) return undefined;
    const { jobId, persona, model } = last.data;
    return { jobId, robotCode, persona, model };
  }

  /**
   * The recent answer of the conversation a quote is taken from: the newest whose opening words start with the
   * quote's (as DingTalk shows a quote, markup, @-mentions and spaces aside). A quote of a few letters finds nothing.
   */
  async quotedAnswer(robotCode: string, conversationId: string, quote: string): Promise<RatedAnswer | undefined> {
    const wanted = quoteHead(quote, 40);
    if (wanted.length < 4) return undefined;
    const entries = await this.redis.lrange(this.keys.recentAnswers(robotCode, conversationId), 0, RECENT_ANSWERS - 1);
    for (const raw of entries) {
      const entry = recentSchema.safeParse(parseJson(raw));
      // An entry without opening words is an answer that ended unwritten (a private chat keeps those too).
      if (!entry.success || !entry.data.head) continue;
      const { head, ...answer } = entry.data;
      if (head.startsWith(wanted) || (head.length < wanted.length && wanted.startsWith(head) && head.length >= 4)) return { ...answer, robotCode };
    }
    return undefined;
  }

  vote(answer: RatedAnswer, user: string, vote: Vote): Promise<VoteOutcome> {
    return recordVote(this.redis, this.keys, answer, user, vote);
  }

  tally(robotCode: string): Promise<FeedbackRow[]> {
    return readFeedbackTally(this.redis, this.keys, robotCode);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
