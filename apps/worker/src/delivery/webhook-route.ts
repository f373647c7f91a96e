import type { DingTalkClient } from '../dingtalk/dingtalk-client.js';
import type { ReplyMessage } from './format-reply.js';
import type { MessageRoute } from './message-route.js';

/** The message's own sessionWebhook: no token needed, usable until `sessionWebhookExpiredTime`. */
export function webhookRoute(client: DingTalkClient): MessageRoute {
  return {
    name: 'webhook',
    accepts: (job, now) => now < job.sessionWebhookExpiredTime,
    send: (job, message) => client.postToWebhook(job.sessionWebhook, webhookMarkdown(message)),
  };
}

/** One reply as a sessionWebhook takes it: markdown, the asker in `at` too, which makes DingTalk notify them. */
export function webhookMarkdown(message: ReplyMessage): Record<string, unknown> {
  return {
    msgtype: 'markdown',
    markdown: { title: message.title, text: message.text },
    at: { atUserIds: message.atUserIds, isAtAll: false },
  };
}
