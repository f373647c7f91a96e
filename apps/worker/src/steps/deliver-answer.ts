import { BotError, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { formatReply } from '../reply/format-reply.js';
import { postToWebhook } from '../reply/post-to-webhook.js';
import { sendThroughOpenApi } from '../reply/send-through-openapi.js';
import { splitAnswer } from '../reply/split-answer.js';

const RECORD_TTL_SECONDS = 7 * 86_400;

/**
 * Delivers an answer as ordered parts, each exactly once: a part is recorded as delivered right
 * after DingTalk accepted it, and a retried job skips recorded parts. The one window left is a
 * crash between DingTalk's acceptance and the record (milliseconds), which can repeat that part.
 *
 * Route: the session webhook while it is valid; the OpenAPI once it has expired, judged locally
 * first and again when the webhook fails at or after its expiry time.
 */
export async function deliverAnswer(deps: WorkerDeps, jobId: string, data: MessageJob, text: string, label = 'answer'): Promise<void> {
  const parts = splitAnswer(text);
  const recordKey = deps.keys.delivered(jobId);
  const delivered = new Set(Object.keys(await deps.redis.hgetall(recordKey)));
  for (const [index, part] of parts.entries()) {
    const field = `${label}.${index}`;
    if (delivered.has(field)) continue;
    const message = formatReply(data, part, { index, count: parts.length });
    const route = await deliverPart(deps, data, message);
    await deps.redis.multi().hset(recordKey, field, route).expire(recordKey, RECORD_TTL_SECONDS).exec();
    deps.metrics.deliveries.inc({ route, result: 'ok' });
  }
}

async function deliverPart(deps: WorkerDeps, data: MessageJob, message: ReturnType<typeof formatReply>): Promise<'webhook' | 'openapi'> {
  if (Date.now() < data.sessionWebhookExpiredTime) {
    try {
      await postToWebhook(data.sessionWebhook, message, deps.webhook);
      return 'webhook';
    } catch (error) {
      deps.metrics.deliveries.inc({ route: 'webhook', result: 'error' });
      if (Date.now() < data.sessionWebhookExpiredTime || (error instanceof BotError && error.kind === 'fatal')) throw error;
      deps.logger.info({ msgId: data.msgId }, 'session webhook expired while answering; using the OpenAPI');
    }
  }
  if (!deps.openApi.secretFor(data.robotCode)) {
    // Nothing can carry this answer any more: say so in logs and metrics, and fail the job.
    deps.metrics.deliveries.inc({ route: 'none', result: 'undeliverable' });
    deps.logger.error({ msgId: data.msgId }, 'answer undeliverable: webhook expired and no AppKey/AppSecret for the OpenAPI');
    throw new BotError('fatal', 'session webhook expired and no AppKey/AppSecret is set for this robot');
  }
  try {
    await sendThroughOpenApi(data, message, deps.openApi);
    return 'openapi';
  } catch (error) {
    deps.metrics.deliveries.inc({ route: 'openapi', result: 'error' });
    throw error;
  }
}
