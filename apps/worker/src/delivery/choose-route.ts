import { type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { classifyError } from '../failures/classify-error.js';
import type { AnswerDelivery, DeliveryPurpose } from './answer-delivery.js';
import { openCardDelivery, type OpenCardDeps } from './card/open-card.js';
import type { ReplyMessage } from './format-reply.js';
import { messageDelivery } from './message-delivery.js';
import type { RouteName } from './message-route.js';
import { WorkerFailure } from '../failures/worker-failure.js';

export type DeliveryDeps = Pick<WorkerDeps, 'redis' | 'keys' | 'metrics' | 'logger' | 'messageRoutes'> & OpenCardDeps;

/**
 * How a text of this job reaches the chat: the one place that chooses. The job's AI card first
 * (`openCardDelivery`: a model's answer when the robot has a card template, or whatever finishes a
 * card an earlier attempt opened); markdown messages when there is none, or DingTalk refused to
 * create it, before anything was shown: never both.
 */
export async function openDelivery(deps: DeliveryDeps, jobId: string, data: MessageJob, purpose: DeliveryPurpose): Promise<AnswerDelivery> {
  const card = await openCardDelivery(deps, jobId, data, purpose);
  const partsUnwritten = purpose.unwritten?.parts ?? false;
  return card ?? messageDelivery(deps, jobId, data, purpose.label, (message) => sendMessage(deps, data, message), partsUnwritten);
}

/**
 * The route of one message: the first of the routes of the job's source that accepts the job. A
 * DingTalk message's are the webhook while `now < sessionWebhookExpiredTime`, then the OpenAPI; a
 * playground message has the playground's webhook alone, and no DingTalk message is ever handed to
 * it. A route that fails, and no longer accepts the job once it has failed (the webhook expired
 * while we sent), hands the message to the next; otherwise its failure is the job's. No route at
 * all: logged, counted, and the job fails.
 */
export async function sendMessage(
  deps: Pick<WorkerDeps, 'metrics' | 'logger' | 'messageRoutes'>,
  job: MessageJob,
  message: ReplyMessage,
  now: () => number = Date.now,
): Promise<RouteName> {
  // A job stored before jobs named their source came from DingTalk.
  for (const route of deps.messageRoutes[job.source ?? 'dingtalk']) {
    if (!route.accepts(job, now())) continue;
    try {
      await route.send(job, message);
      return route.name;
    } catch (error) {
      deps.metrics.deliveries.inc({ route: route.name, result: 'error' });
      if (route.accepts(job, now()) || classifyError(error).kind === 'fatal') throw error;
      deps.logger.info({ msgId: job.msgId, route: route.name }, 'route expired while answering; trying the next');
    }
  }
  deps.metrics.deliveries.inc({ route: 'none', result: 'undeliverable' });
  deps.logger.error(
    { msgId: job.msgId },
    'answer undeliverable: the webhook expired and the OpenAPI needs the robot\'s AppKey/AppSecret (and, in a private chat, the sender\'s staff id)',
  );
  throw new WorkerFailure('undeliverable', 'no route can deliver: the session webhook expired and the OpenAPI cannot be used for this message');
}
