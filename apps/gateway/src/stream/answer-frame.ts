import type { Logger, Robot } from '@dtbot/shared';
import { acceptMessage, type AcceptDeps, type Carrier } from '../accept/accept-message.js';
import { Refusal } from '../accept/refusal.js';
import type { GatewayMetrics } from '../metrics.js';
import { STREAM_ANSWERS } from './stream-answers.js';
import { ackFrame, CARD_CALLBACK_TOPIC, EMPTY_RESPONSE, EVENT_SUCCESS, ROBOT_MESSAGE_TOPIC, type StreamFrame } from './stream-frames.js';
import { handleCardCallback, InvalidCardCallback, type CardPressDeps } from '../cards/card-presses.js';

/** What to do about one frame: send this ACK, send nothing, or rotate the connection. */
export type FrameOutcome = { kind: 'ack'; ack: string } | { kind: 'no_ack' } | { kind: 'disconnect'; reason: string };

export interface FrameDeps {
  accept: AcceptDeps;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Presses of the buttons of the robots' AI cards (stop, feedback); without it they are ACKed and ignored. */
  cards?: CardPressDeps;
}

const NO_ACK: FrameOutcome = { kind: 'no_ack' };
/** DingTalk pushed it on a connection opened with the robot's credentials. */
const STREAM_FRAME: Carrier = { bodyAuthenticated: true };

/**
 * Answers one frame received on `robot`'s connection. A robot message goes through the accept path
 * and is ACKed once stored (before any model is asked); ping is echoed; an EVENT or a topic we do
 * not handle is ACKed and ignored, so DingTalk does not push it again.
 */
export async function answerFrame(deps: FrameDeps, robot: Robot, frame: StreamFrame): Promise<FrameOutcome> {
  const { topic, messageId } = frame.headers;
  if (frame.type === 'SYSTEM' && topic === 'disconnect') return { kind: 'disconnect', reason: disconnectReason(frame.data) };
  if (frame.type === 'CALLBACK' && topic === ROBOT_MESSAGE_TOPIC) return answerRobotMessage(deps, robot, frame.data, messageId);
  if (!messageId) return NO_ACK;
  if (frame.type === 'CALLBACK' && topic === CARD_CALLBACK_TOPIC && deps.cards) return answerCardCallback(deps, deps.cards, robot, frame.data, messageId);
  if (frame.type === 'SYSTEM' && topic === 'ping') return ack(messageId, 200, 'OK', frame.data);
  if (frame.type === 'EVENT') return ack(messageId, 200, 'OK', EVENT_SUCCESS);
  deps.logger.debug({ type: frame.type, topic, robotCode: robot.robotCode }, 'stream frame of an unhandled topic ACKed and ignored');
  return ack(messageId, 200, 'OK', EMPTY_RESPONSE);
}

async function answerRobotMessage(deps: FrameDeps, robot: Robot, data: string, messageId: string | undefined): Promise<FrameOutcome> {
  try {
    const { stored, jobId, message } = await acceptMessage(deps.accept, data, robot, STREAM_FRAME);
    deps.metrics.streamMessages.inc({ result: stored === 'new' ? 'stored' : 'duplicate' });
    // Debug, as for HTTP callbacks: the worker logs each answer at info with the same ids.
    deps.logger.debug({ msgId: message.msgId, jobId, stored, robotCode: robot.robotCode }, 'stream message stored');
    return messageId ? ack(messageId, 200, 'OK', EMPTY_RESPONSE) : NO_ACK;
  } catch (error) {
    if (!(error instanceof Refusal)) {
      deps.metrics.streamMessages.inc({ result: 'internal_error' });
      deps.logger.error({ err: error, robotCode: robot.robotCode }, 'stream message not stored; not ACKed, DingTalk pushes it again');
      return NO_ACK;
    }
    deps.metrics.streamMessages.inc({ result: error.code });
    const answer = STREAM_ANSWERS[error.code];
    const line = { code: error.code, msgId: error.msgId, robotCode: robot.robotCode, reason: error.message };
    if (!answer.ack) {
      deps.logger.error({ ...line, err: error.cause }, 'stream message not stored; not ACKed, DingTalk pushes it again');
      return NO_ACK;
    }
    deps.logger.warn(line, 'stream message refused; ACKed so that DingTalk does not push it again');
    return messageId ? ack(messageId, answer.code, error.message, EMPTY_RESPONSE) : NO_ACK;
  }
}

function ack(messageId: string, code: number, message: string, data: string): FrameOutcome {
  return { kind: 'ack', ack: ackFrame(messageId, code, message, data) };
}

function disconnectReason(data: string): string {
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed && typeof parsed === 'object' && 'reason' in parsed && typeof parsed.reason === 'string') return parsed.reason;
  } catch {
    // a disconnect is obeyed whatever its data says
  }
  return 'disconnect';
}

/**
 * A press of a card's button, vouched for by the connection it came on: ACKed once acted on (the stop published, the
 * vote recorded). A body that is no card callback is ACKed with 400, so DingTalk does not push it again; when Redis
 * fails nothing is ACKed, and DingTalk pushes the press again.
 */
async function answerCardCallback(deps: FrameDeps, cards: CardPressDeps, robot: Robot, data: string, messageId: string): Promise<FrameOutcome> {
  try {
    await handleCardCallback(cards, robot, data);
    return ack(messageId, 200, 'OK', EMPTY_RESPONSE);
  } catch (error) {
    if (error instanceof InvalidCardCallback) {
      deps.metrics.cardCallbacks.inc({ outcome: 'invalid' });
      deps.logger.warn({ robotCode: robot.robotCode, reason: error.message }, 'card callback unreadable; ACKed so that DingTalk does not push it again');
      return ack(messageId, 400, error.message, EMPTY_RESPONSE);
    }
    deps.logger.error({ err: error, robotCode: robot.robotCode }, 'card callback not handled; not ACKed, DingTalk pushes it again');
    return NO_ACK;
  }
}
