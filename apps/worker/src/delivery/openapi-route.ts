import type { DingTalkClient, RobotApp } from '../dingtalk/dingtalk-client.js';
import type { MessageRoute } from './message-route.js';
import { WorkerFailure } from '../failures/worker-failure.js';

export const GROUP_SEND_PATH = '/v1.0/robot/groupMessages/send';
export const PRIVATE_SEND_PATH = '/v1.0/robot/oToMessages/batchSend';

/**
 * The robot's own send, for when the webhook has expired: `groupMessages/send` in a group,
 * `oToMessages/batchSend` to the sender in a private chat. It needs the robot's AppKey/AppSecret
 * (for the access token) and, in a private chat, the sender's staff id. The OpenAPI has no @ list:
 * the mention is the `@staffId` in the text.
 */
export function openApiRoute(client: DingTalkClient, appFor: (robotCode: string) => RobotApp | undefined): MessageRoute {
  return {
    name: 'openapi',
    // A playground conversation exists only in the playground: DingTalk has nothing to send it to.
    accepts: (job) =>
      job.source !== 'playground' && appFor(job.robotCode) !== undefined && (job.conversationType === '2' || Boolean(job.senderStaffId)),
    async send(job, message) {
      const app = appFor(job.robotCode);
      if (!app) throw new WorkerFailure('no_app_credentials', 'no AppKey/AppSecret is set for this robot');
      const robotCode = job.robotCode || app.appKey;
      const content = { msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: message.title, text: message.text }) };
      if (job.conversationType === '2') {
        await client.callApi(app, 'POST', GROUP_SEND_PATH, { robotCode, openConversationId: job.conversationId, ...content });
        return;
      }
      if (!job.senderStaffId) throw new WorkerFailure('no_staff_id', 'the sender has no staff id to send to');
      await client.callApi(app, 'POST', PRIVATE_SEND_PATH, { robotCode, userIds: [job.senderStaffId], ...content });
    },
  };
}
