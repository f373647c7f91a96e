import type { RedisClient } from '../redis/create-redis.js';
import type { RedisKeys } from '../redis/keys.js';

export type Vote = 'up' | 'down';

/** The answer a vote rates, and who wrote it. */
export interface RatedAnswer {
  jobId: string;
  robotCode: string;
  /** The persona that answered (`default` for the system prompt). */
  persona: string;
  model: string;
}

/** `new`: a first vote; `changed`: the person's vote went the other way; `same`: nothing changed. */
export type VoteOutcome = 'new' | 'changed' | 'same';

/** As long as a card can be pressed after its answer. */
const VOTES_TTL_SECONDS = 30 * 86_400;

// KEYS: votes (the answer's hash user → vote), tally (the robot's hash vote|model|persona → count).
// ARGV: user, vote, model|persona, ttl seconds.
// One script, so two presses at once cannot both count: the tally moves with the vote it replaces.
const RECORD_VOTE = `
local before = redis.call('HGET', KEYS[1], ARGV[1])
if before == ARGV[2] then return 'same' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('HINCRBY', KEYS[2], ARGV[2] .. '|' .. ARGV[3], 1)
if before then
  redis.call('HINCRBY', KEYS[2], before .. '|' .. ARGV[3], -1)
  return 'changed'
end
return 'new'
`;

/**
 * Records `user`'s vote on an answer: once per person and answer, a second vote replacing the first. The robot's
 * tally, by model and persona, always holds each person's latest vote once.
 */
export async function recordVote(
  redis: RedisClient,
  keys: Pick<RedisKeys, 'feedbackVotes' | 'feedbackTally'>,
  answer: RatedAnswer,
  user: string,
  vote: Vote,
): Promise<VoteOutcome> {
  const outcome = await redis.eval(
    RECORD_VOTE,
    2,
    keys.feedbackVotes(answer.jobId),
    keys.feedbackTally(answer.robotCode),
    user,
    vote,
    `${answer.model}|${answer.persona}`,
    VOTES_TTL_SECONDS,
  );
  return outcome === 'new' || outcome === 'changed' ? outcome : 'same';
}

/** One line of a robot's tally. */
export interface FeedbackRow {
  model: string;
  persona: string;
  up: number;
  down: number;
}

/** A robot's current ratings, by model and persona, most rated first. */
export async function readFeedbackTally(redis: RedisClient, keys: Pick<RedisKeys, 'feedbackTally'>, robotCode: string): Promise<FeedbackRow[]> {
  const fields = await redis.hgetall(keys.feedbackTally(robotCode));
  const rows = new Map<string, FeedbackRow>();
  for (const [field, count] of Object.entries(fields)) {
    const [vote, model, ...persona] = field.split('|');
    if ((vote !== 'up' && vote !== 'down') || model === undefined) continue;
    const id = `${model}|${persona.join('|')}`;
    const row = rows.get(id) ?? { model, persona: persona.join('|'), up: 0, down: 0 };
    row[vote] += Math.max(0, Number(count) || 0);
    rows.set(id, row);
  }
  return [...rows.values()].filter((row) => row.up + row.down > 0).sort((a, b) => b.up + b.down - (a.up + a.down));
}
