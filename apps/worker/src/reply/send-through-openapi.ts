import { BotError, type MessageJob } from '@dtbot/shared';
import { classifyError } from '../classify-error.js';
import { DingTalkError } from '../dingtalk/dingtalk-error.js';
import type { AccessTokens } from '../dingtalk/access-tokens.js';
import type { ReplyMessage } from './format-reply.js';

export interface OpenApiOptions {
  apiBaseUrl: string;
  timeoutMs: number;
  tokens: AccessTokens;
  /** appKey → appSecret of every robot we answer for. */
  secretFor: (robotCode: string) => { appKey: string; appSecret: string } | undefined;
}

/**
 * Sends a message without a session webhook (it expired): `groupMessages/send` in groups,
 * `oToMessages/batchSend` in private chats (protocol reference §4.2–4.3).
 */
export async function sendThroughOpenApi(
  job: Pick<MessageJob, 'robotCode' | 'conversationType' | 'conversationId' | 'senderStaffId'>,
  message: ReplyMessage,
  options: OpenApiOptions,
): Promise<void> {
  const app = options.secretFor(job.robotCode);
  if (!app) throw new BotError('fatal', 'session webhook expired and no AppKey/AppSecret is set for this robot');
  const isGroup = job.conversationType === '2';
  if (!isGroup && !job.senderStaffId) throw new BotError('fatal', 'session webhook expired and the sender has no staff id');

  const msgParam = JSON.stringify({ title: message.title, text: message.text });
  const [path, body] = isGroup
    ? ['/v1.0/robot/groupMessages/send', { robotCode: job.robotCode || app.appKey, openConversationId: job.conversationId, msgKey: 'sampleMarkdown', msgParam }]
    : ['/v1.0/robot/oToMessages/batchSend', { robotCode: job.robotCode || app.appKey, userIds: [job.senderStaffId], msgKey: 'sampleMarkdown', msgParam }];

  const token = await options.tokens.get(app.appKey, app.appSecret);
  let response: Response;
  try {
    response = await fetch(new URL(path, options.apiBaseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw classifyError(new DingTalkError({ api: 'openapi' }, 'DingTalk OpenAPI could not be reached', { cause: error }));
  }
  const { status } = response;
  if (response.ok) {
    const result = (await response.json().catch(() => ({}))) as Record<string, string[] | undefined>;
    const answer = {
      api: 'openapi' as const,
      status,
      flowControlled: result.flowControlledStaffIdList?.length ?? 0,
      invalidRecipients: result.invalidStaffIdList?.length ?? 0,
      filteredRecipients: result.filteredStaffIdList?.length ?? 0,
    };
    if (answer.flowControlled + answer.invalidRecipients + answer.filteredRecipients > 0) {
      throw classifyError(new DingTalkError(answer, 'DingTalk OpenAPI did not reach the recipient'));
    }
    return;
  }
  const error = (await response.json().catch(() => ({}))) as { code?: string };
  if (status === 401) await options.tokens.forget(app.appKey);
  const problem = `DingTalk OpenAPI answered HTTP ${status} ${error.code ?? ''}`.trim();
  throw classifyError(new DingTalkError({ api: 'openapi', status, code: error.code }, problem));
}
