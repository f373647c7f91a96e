import { randomBytes } from 'node:crypto';
import { sign, verifySignature, type Robot } from '@dtbot/shared';
import { acceptMessage, type AcceptDeps, type Accepted } from '../accept/accept-message.js';
import { Refusal } from '../accept/refusal.js';
import { buildPlaygroundMessage } from './build-playground-message.js';
import type { PlaygroundSessions } from './playground-sessions.js';
import { chatIdOf, type PlaygroundQuestion } from './playground-question.js';

export interface SubmitDeps {
  /** The gateway's accept path, with the playground's webhook as the only origin its messages may reply to. */
  accept: AcceptDeps;
  /** The playground's robot: the only identity a playground message ever has. */
  robot: Robot;
  sessions: PlaygroundSessions;
}

export interface Submitted {
  msgId: string;
  chatId: string;
  stored: Accepted['stored'];
}

/**
 * A question from the page, into the pipeline as a DingTalk message: built in the playground's
 * namespace, signed with the playground robot's secret and checked as a callback's signature is,
 * then handed to the one accept path (validated, numbered, stored) as that robot's. The question
 * enters the transcript first, so its answer can never be shown before it; a refusal is added
 * after it, and thrown on for the route to answer.
 */
export async function submitQuestion(deps: SubmitDeps, sessionId: string, question: PlaygroundQuestion): Promise<Submitted> {
  const now = Date.now();
  const msgId = `playground.${randomBytes(16).toString('base64url')}`;
  const chatId = chatIdOf(question);
  const message = buildPlaygroundMessage(question, { sessionId, msgId, now });
  const timestamp = String(now);
  const signature = sign(timestamp, deps.robot.appSecret);
  // Only this robot's secret is tried: a playground message can never pass for a DingTalk robot's.
  if (verifySignature({ timestamp, sign: signature, secrets: [deps.robot.appSecret] }).result !== 'ok') {
    throw new Error('the playground could not sign its own message');
  }

  await deps.sessions.rememberUser(sessionId, question.user.staffId, question.user.nick);
  const chat = { id: chatId, type: question.chat.type, ...(question.chat.type === 'group' ? { title: question.chat.title } : {}) };
  await deps.sessions.append(sessionId, { kind: 'question', msgId, chat, user: question.user, text: question.text, at: now });
  try {
    // The gateway wrote this body itself, its webhook fresh.
    const accepted = await acceptMessage(deps.accept, JSON.stringify(message), deps.robot, { bodyAuthenticated: true });
    return { msgId, chatId, stored: accepted.stored };
  } catch (error) {
    const reason = error instanceof Refusal ? error.code : 'internal_error';
    await deps.sessions.append(sessionId, { kind: 'refused', msgId, chatId, reason, at: Date.now() }).catch(() => undefined);
    throw error;
  }
}
