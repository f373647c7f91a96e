import { z } from 'zod';
import { digest, PLAYGROUND_CHAT_ID, PLAYGROUND_SESSION_ID } from '@dtbot/shared';
import { PLAYGROUND_LIMITS } from './playground-limits.js';

/** A session id as `openSession` draws it: 16 random bytes, base64url. */
export const SESSION_ID = PLAYGROUND_SESSION_ID;
/** A private chat is its user's (`p.<staffId>`); a group is its title's digest (`g.<digest>`). */
export const CHAT_ID = PLAYGROUND_CHAT_ID;

/** Printable text on one line: a name is shown in the chat and in the mention. */
const name = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]+$/u, 'no control characters');

/** What the page posts for one question: who asks, in which chat, what. */
export const playgroundQuestionSchema = z.object({
  user: z.object({
    staffId: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'letters, digits, _ . - only, at most 32'),
    nick: name(PLAYGROUND_LIMITS.nickChars),
  }),
  chat: z.discriminatedUnion('type', [
    z.object({ type: z.literal('private') }),
    z.object({ type: z.literal('group'), title: name(PLAYGROUND_LIMITS.groupTitleChars) }),
  ]),
  text: z.string().trim().min(1).max(PLAYGROUND_LIMITS.questionChars),
});

export type PlaygroundQuestion = z.infer<typeof playgroundQuestionSchema>;

/** The chat a question belongs to within its session; its answers come back tagged with it. */
export function chatIdOf(question: Pick<PlaygroundQuestion, 'user' | 'chat'>): string {
  return question.chat.type === 'private' ? `p.${question.user.staffId}` : `g.${digest(question.chat.title)}`;
}
