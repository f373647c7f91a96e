import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import { z } from 'zod';
import { PLAYGROUND_WEBHOOK_ANSWERS } from '@dtbot/shared';
import { PLAYGROUND_LIMITS } from './playground-limits.js';
import type { PlaygroundSessions } from './playground-sessions.js';
import { CHAT_ID, SESSION_ID } from './playground-question.js';

const at = z.object({ atUserIds: z.array(z.string()).optional(), isAtAll: z.boolean().optional() }).optional();

/** The message kinds a robot sends through a sessionWebhook that the playground shows. */
const answerSchema = z.discriminatedUnion('msgtype', [
  z.object({ msgtype: z.literal('markdown'), markdown: z.object({ title: z.string(), text: z.string() }), at }),
  z.object({ msgtype: z.literal('text'), text: z.object({ content: z.string() }), at }),
]);

/**
 * `POST /playground/webhook/<chat>?session=<id>`: the session webhook of playground messages,
 * where workers post their answers. Any gateway takes them: the answer goes into the session's
 * transcript in Redis, and the gateway holding the page's event stream sends it on. The session id
 * is the credential, as a DingTalk webhook's `session` is. It answers as a DingTalk sessionWebhook
 * does (`PLAYGROUND_WEBHOOK_ANSWERS`), which is how the worker's playground route reads it.
 */
export function playgroundWebhook(sessions: PlaygroundSessions): Middleware {
  return async (ctx) => {
    ctx.status = 200;
    const sessionId = String(ctx.query.session ?? '');
    const chatId = String(ctx.params?.chat ?? '');
    if (!SESSION_ID.test(sessionId) || !CHAT_ID.test(chatId) || !(await sessions.isAlive(sessionId))) {
      ctx.body = PLAYGROUND_WEBHOOK_ANSWERS.sessionGone;
      return;
    }
    let body: unknown;
    try {
      const raw = await getRawBody(ctx.req, { limit: PLAYGROUND_LIMITS.answerBodyBytes, length: ctx.get('content-length') || undefined });
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      ctx.body = PLAYGROUND_WEBHOOK_ANSWERS.refused;
      return;
    }
    const parsed = answerSchema.safeParse(body);
    if (!parsed.success) {
      ctx.body = PLAYGROUND_WEBHOOK_ANSWERS.refused;
      return;
    }
    const answer = parsed.data;
    const [title, text] = answer.msgtype === 'markdown' ? [answer.markdown.title, answer.markdown.text] : ['', answer.text.content];
    await sessions.append(sessionId, { kind: 'answer', chatId, title, format: answer.msgtype, text, atUserIds: answer.at?.atUserIds ?? [], at: Date.now() });
    ctx.body = PLAYGROUND_WEBHOOK_ANSWERS.ok;
  };
}
