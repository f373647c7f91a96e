import { BotError, isAllowedWebhook } from '@dtbot/shared';
import { classifyError } from '../classify-error.js';
import { DingTalkError } from '../dingtalk/dingtalk-error.js';
import type { ReplyMessage } from './format-reply.js';

export interface WebhookOptions {
  allowedOrigins: readonly string[];
  timeoutMs: number;
}

/**
 * Posts one markdown message to a sessionWebhook. DingTalk answers business errors with HTTP 200
 * and a non-zero `errcode` (130101 "send too fast", expired sessions, …), so success is errcode 0.
 */
export async function postToWebhook(webhook: string, message: ReplyMessage, options: WebhookOptions): Promise<void> {
  // The gateway checked this already; a worker re-checks because it never trusts what it did not verify.
  if (!isAllowedWebhook(webhook, options.allowedOrigins)) {
    throw new BotError('fatal', 'sessionWebhook is not an allowed DingTalk origin');
  }
  const body = {
    msgtype: 'markdown',
    markdown: { title: message.title, text: message.text },
    at: { atUserIds: message.atUserIds, isAtAll: false },
  };
  let response: Response;
  try {
    response = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw classifyError(new DingTalkError({ api: 'webhook' }, 'sessionWebhook could not be reached', { cause: error }));
  }
  const text = await response.text();
  const { status } = response;
  if (!response.ok) {
    throw classifyError(new DingTalkError({ api: 'webhook', status }, `sessionWebhook answered HTTP ${status}`));
  }
  let result: { errcode?: number; errmsg?: string };
  try {
    result = JSON.parse(text) as { errcode?: number; errmsg?: string };
  } catch {
    throw classifyError(new DingTalkError({ api: 'webhook', status, malformed: true }, 'sessionWebhook answered something other than JSON'));
  }
  if (result.errcode !== undefined && result.errcode !== 0) {
    const message = `sessionWebhook errcode ${result.errcode}: ${result.errmsg ?? ''}`.trim();
    throw classifyError(new DingTalkError({ api: 'webhook', status, errcode: result.errcode }, message));
  }
}
