import type { DingTalkClient } from '../dingtalk/dingtalk-client.js';
import type { MessageRoute } from './message-route.js';

/**
 * The message's own sessionWebhook: no token needed, usable until `sessionWebhookExpiredTime`. A
 * playground message's webhook is the gateway's playground, which answers as DingTalk does.
 */
export function webhookRoute(client: DingTalkClient): MessageRoute {
  return {
    name: 'webhook',
    accepts: (job, now) => now < job.sessionWebhookExpiredTime,
    send: (job, message) =>
      client.postToWebhook(job.sessionWebhook, {
        msgtype: 'markdown',
        markdown: { title: message.title, text: message.text },
        at: { atUserIds: message.atUserIds, isAtAll: false },
      }, job.source),
  };
}
