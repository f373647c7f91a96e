import { digest, PLAYGROUND_ROBOT_CODE, playgroundWebhookOf, type DingTalkCallback } from '@dtbot/shared';
import { chatIdOf, type PlaygroundQuestion } from './playground-question.js';

/** How long DingTalk keeps a message's sessionWebhook usable; the playground's webhooks last as long. */
export const SESSION_WEBHOOK_LIFETIME_MS = 90 * 60_000;

const CHATBOT_USER_ID = '$:LWCP_v1:$playground.robot';
const CORP_ID = 'playground';

export interface PlaygroundMessageContext {
  sessionId: string;
  msgId: string;
  now: number;
}

/**
 * A question from the page as DingTalk would post it to the robot. Its ids live in the
 * playground's own namespace (the session's digest), so no playground message can land in a real
 * conversation, and one session's chats never meet another's. A group message @-mentions the robot
 * and keeps the leading space DingTalk leaves where the mention was. Its sessionWebhook names this
 * session's chat (`playgroundWebhookOf`), where a worker hands the answer through Redis.
 */
export function buildPlaygroundMessage(
  question: PlaygroundQuestion,
  context: PlaygroundMessageContext,
): DingTalkCallback & { atUsers?: { dingtalkId: string }[] } {
  const { sessionId, now } = context;
  const chatId = chatIdOf(question);
  const group = question.chat.type === 'group';
  return {
    msgtype: 'text',
    text: { content: group ? ` ${question.text}` : question.text },
    msgId: context.msgId,
    createAt: now,
    conversationType: group ? '2' : '1',
    conversationId: `playground.${digest(`${sessionId}\n${chatId}`)}`,
    ...(question.chat.type === 'group' ? { conversationTitle: question.chat.title } : {}),
    senderId: `$:LWCP_v1:$playground.${digest(`${sessionId}\n${question.user.staffId}`)}`,
    senderNick: question.user.nick,
    senderCorpId: CORP_ID,
    senderStaffId: question.user.staffId,
    chatbotUserId: CHATBOT_USER_ID,
    chatbotCorpId: CORP_ID,
    robotCode: PLAYGROUND_ROBOT_CODE,
    isAdmin: false,
    ...(group ? { isInAtList: true, atUsers: [{ dingtalkId: CHATBOT_USER_ID }] } : {}),
    sessionWebhook: playgroundWebhookOf({ sessionId, chatId }),
    sessionWebhookExpiredTime: now + SESSION_WEBHOOK_LIFETIME_MS,
  };
}
