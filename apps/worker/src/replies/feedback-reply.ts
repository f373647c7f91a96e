import { CONVERSATION_GROUP, robotMetricLabel, type Vote } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { countedAs } from '../counting/counted-as.js';
import { FEEDBACK_CHANGED, FEEDBACK_SAME, FEEDBACK_THANKS, NOTHING_TO_RATE } from './canned-replies.js';
import type { ReplyContext } from './reply.js';

export type FeedbackReplyDeps = Pick<WorkerDeps, 'feedback' | 'metrics' | 'robotOptions'>;

/**
 * A feedback word rates the answer it quotes (a reply to it), else the sender's last answer in this conversation,
 * once per person: a second word changes the vote, it never counts twice.
 */
export async function feedbackReply(deps: FeedbackReplyDeps, { data }: ReplyContext, vote: Vote): Promise<string> {
  const user = countedAs(data).user;
  const answer = data.quote
    ? await deps.feedback.quotedAnswer(data.robotCode, data.conversationId, data.quote)
    : await deps.feedback.lastAnswer(data.robotCode, data.conversationId, user, data.conversationType === CONVERSATION_GROUP);
  if (!answer) return NOTHING_TO_RATE;
  const outcome = await deps.feedback.vote(answer, user, vote);
  if (outcome === 'same') return FEEDBACK_SAME;
  const labels = { robot: robotMetricLabel(data.robotCode, deps.robotOptions(data.robotCode).name), model: answer.model };
  (vote === 'up' ? deps.metrics.feedbackGood : deps.metrics.feedbackBad).inc(labels);
  return outcome === 'new' ? FEEDBACK_THANKS : FEEDBACK_CHANGED;
}
