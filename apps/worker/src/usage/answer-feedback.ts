import { readFeedbackTally, recordVote, type FeedbackRow, type RatedAnswer, type RedisClient, type RedisKeys, type Vote, type VoteOutcome } from '@dtbot/shared';

/** Ratings of answers: each person's vote per answer, and each robot's tally by model and persona, in Redis. */
export class AnswerFeedback {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Pick<RedisKeys, 'lastAnswer' | 'feedbackVotes' | 'feedbackTally'>,
  ) {}

  /** The asker's last answer in a conversation that a model wrote, if it is still remembered. */
  async lastAnswer(robotCode: string, conversationId: string, user: string): Promise<RatedAnswer | undefined> {
    const { jobId, persona, model } = await this.redis.hgetall(this.keys.lastAnswer(robotCode, conversationId, user));
    return jobId && model ? { jobId, robotCode, persona: persona ?? '', model } : undefined;
  }

  vote(answer: RatedAnswer, user: string, vote: Vote): Promise<VoteOutcome> {
    return recordVote(this.redis, this.keys, answer, user, vote);
  }

  tally(robotCode: string): Promise<FeedbackRow[]> {
    return readFeedbackTally(this.redis, this.keys, robotCode);
  }
}
