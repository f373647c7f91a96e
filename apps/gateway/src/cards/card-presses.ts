import {
  mayStop,
  readCardAnswer,
  readCardCallback,
  recordVote,
  requestStop,
  robotMetricLabel,
  type CardAnswerRecord,
  type CardPress,
  type Logger,
  type RedisClient,
  type RedisKeys,
  type Robot,
} from '@dtbot/shared';
import type { GatewayMetrics } from '../metrics.js';

export interface CardPressDeps {
  redis: RedisClient;
  keys: Pick<RedisKeys, 'cardAnswer' | 'stopMark' | 'stopChannel' | 'feedbackVotes' | 'feedbackTally'>;
  /** `ADMIN_USERS`: who may stop another member's answer in a group. */
  admins: ReadonlySet<string>;
  /** Every robot code of this deployment (`robotCodesOf`): a robot without a code of its own may not act on these. */
  robotCodes: ReadonlySet<string>;
  metrics: GatewayMetrics;
  logger: Logger;
}

/**
 * What a press came to:
 * - `stopped`: the worker writing the answer was asked to stop it;
 * - `stop_refused`: someone other than the asker, not an admin, pressed stop in a group;
 * - `already_finished`: a stop after the answer was written: nothing changes;
 * - `voted` / `vote_unchanged`: a rating recorded (first or changed), or the same rating again;
 * - `not_finished`: a rating of an answer still being written;
 * - `unknown_card`: not a card of this robot that we know of;
 * - `ignored`: a button that is none of ours.
 */
export type CardPressOutcome = 'stopped' | 'stop_refused' | 'already_finished' | 'voted' | 'vote_unchanged' | 'not_finished' | 'unknown_card' | 'ignored';

/** A body that is not a card callback: the HTTP route answers 400, a Stream frame is ACKed with 400. */
export class InvalidCardCallback extends Error {}

/**
 * Acts on one card callback that `robot`'s signature (HTTP) or connection (Stream) vouched for: a stop is handed to
 * whichever worker writes the answer (the gateway never calls the model), a rating is recorded once per person.
 * Throws `InvalidCardCallback` for a body that is not one; a Redis failure is thrown as it is, so the transport
 * tells DingTalk to send the press again.
 */
export async function handleCardCallback(deps: CardPressDeps, robot: Robot, json: string): Promise<CardPressOutcome> {
  const reading = readCardCallback(json);
  if (reading.kind === 'invalid') throw new InvalidCardCallback(reading.reason);
  if (reading.kind === 'ignored') {
    deps.metrics.cardCallbacks.inc({ outcome: 'ignored' });
    return 'ignored';
  }
  const outcome = await act(deps, robot, reading.press);
  deps.metrics.cardCallbacks.inc({ outcome });
  if (outcome === 'stop_refused') deps.logger.info({ robotCode: robot.robotCode, outTrackId: reading.press.outTrackId }, 'card stop refused: not the asker, not an admin');
  return outcome;
}

async function act(deps: CardPressDeps, robot: Robot, press: CardPress): Promise<CardPressOutcome> {
  const answer = await readCardAnswer(deps.redis, deps.keys, press.outTrackId);
  if (!answer || !belongsTo(deps, robot, answer)) return 'unknown_card';
  if (press.action === 'stop') {
    if (answer.state !== 'writing') return 'already_finished';
    if (!mayStop(answer, press.userId, deps.admins)) return 'stop_refused';
    await requestStop(deps.redis, deps.keys, answer.jobId);
    return 'stopped';
  }
  if (answer.state !== 'done' || !answer.model) return 'not_finished';
  const vote = press.action === 'feedback_up' ? 'up' : 'down';
  const rated = { jobId: answer.jobId, robotCode: answer.robotCode, persona: answer.persona ?? '', model: answer.model };
  const outcome = await recordVote(deps.redis, deps.keys, rated, press.userId, vote);
  if (outcome === 'same') return 'vote_unchanged';
  const labels = { robot: robotMetricLabel(answer.robotCode, robot.options.name), model: answer.model };
  (vote === 'up' ? deps.metrics.feedbackGood : deps.metrics.feedbackBad).inc(labels);
  return 'voted';
}

/** The card's answer was written for this robot: a press vouched for by one robot never acts on another's answers. */
function belongsTo(deps: Pick<CardPressDeps, 'robotCodes'>, robot: Robot, answer: CardAnswerRecord): boolean {
  if (robot.robotCode !== undefined) return answer.robotCode === robot.robotCode;
  return !deps.robotCodes.has(answer.robotCode);
}
