import { randomUUID } from 'node:crypto';
import type { MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../../deps.js';
import type { RobotApp } from '../../dingtalk/dingtalk-client.js';
import { classifyError } from '../../failures/classify-error.js';
import type { DeliveryPurpose } from '../answer-delivery.js';
import { CardAnswer, type CardAnswerDeps } from './card-answer.js';
import { requiredCardCall } from './card-calls.js';
import { readCardRecord, writeCardRecord, type CardRecord } from './card-record.js';
import { cardSpace, createCardBody, CREATE_AND_DELIVER_PATH, FLOW_STATUS, flowStatusBody, INSTANCES_PATH } from './card-requests.js';

export type OpenCardDeps = CardAnswerDeps & Pick<WorkerDeps, 'robotApp' | 'robotOptions'>;

/**
 * The job's AI card for this text, or undefined when the text goes out as messages:
 * - a queue notice goes into the card the answer will stream into, while that card waits for it;
 * - a card an earlier attempt of the job opened is finished, never a second one made: the answer
 *   streams into it, an apology ends it in the error state. (A card that ended in the error state
 *   already holds its apology; an answer after it, an operator's retry, goes out as messages.)
 * - otherwise only a model's answer (`gradual`) gets a new card, when the robot has a template and
 *   an AppKey (the playground's robot has none: its chats exist only in the playground) and the
 *   chat can take one (a private chat needs the sender's staff id);
 * - a card DingTalk refuses to create (a wrong template, no permission) leaves this job's texts
 *   to messages. Whether a card was made is unknown after a timeout or a 5xx: the job is retried,
 *   and the retry checks the card before creating it again under the same `outTrackId`.
 */
export async function openCardDelivery(deps: OpenCardDeps, jobId: string, data: MessageJob, purpose: DeliveryPurpose): Promise<CardAnswer | undefined> {
  if (purpose.label === 'notice') {
    // The answer's own card, made now if need be, holds the notice until the answer replaces it:
    // one card, no second message. A card that no longer waits for the answer holds nothing.
    const card = await openCardDelivery(deps, jobId, data, { label: 'answer', gradual: true });
    return card?.showsProgress ? card : undefined;
  }
  const cardUnwritten = purpose.label === 'answer' && (purpose.unwritten?.card ?? false);
  const record = cardUnwritten ? undefined : await readCardRecord(deps, jobId);
  const app = deps.robotApp(data.robotCode);
  if (!app || record?.state === 'refused') return undefined;
  const { cardContentKey: contentKey, cardTemplateId: templateId } = deps.robotOptions(data.robotCode);
  if (record) {
    if (purpose.label === 'answer' && record.state === 'failed') return undefined;
    const confirmed = record.state === 'creating' ? await confirmCard(deps, jobId, data, app, record, purpose) : record;
    return confirmed && new CardAnswer(deps, { jobId, msgId: data.msgId, app, record: confirmed, label: purpose.label, contentKey });
  }
  if (purpose.label !== 'answer' || !purpose.gradual || !templateId || !cardSpace(data)) return undefined;
  const created = await createCard(deps, jobId, data, app, templateId, randomUUID());
  return created && new CardAnswer(deps, { jobId, msgId: data.msgId, app, record: created, label: purpose.label, contentKey });
}

/**
 * A card whose creation may or may not have reached DingTalk: touch it, setting the "inputing" state
 * it was created in (drafts stream into it next, with no call of their own to set it). Unknown to
 * DingTalk, it is created now for an answer; an apology goes out as a message instead.
 */
async function confirmCard(
  deps: OpenCardDeps,
  jobId: string,
  data: MessageJob,
  app: RobotApp,
  record: CardRecord,
  purpose: DeliveryPurpose,
): Promise<CardRecord | undefined> {
  try {
    await requiredCardCall(deps, app, 'PUT', INSTANCES_PATH, () => flowStatusBody(record.outTrackId, FLOW_STATUS.inputing));
  } catch (error) {
    if (classifyError(error).kind !== 'fatal') throw error;
    const templateId = deps.robotOptions(data.robotCode).cardTemplateId;
    if (purpose.label !== 'answer' || !templateId) return undefined;
    return createCard(deps, jobId, data, app, templateId, record.outTrackId);
  }
  const created: CardRecord = { ...record, state: 'created' };
  await writeCardRecord(deps, jobId, created);
  return created;
}

async function createCard(
  deps: OpenCardDeps,
  jobId: string,
  data: MessageJob,
  app: RobotApp,
  templateId: string,
  outTrackId: string,
): Promise<CardRecord | undefined> {
  // Recorded before the call: an attempt that does not learn the outcome leaves the retry a card to check.
  await writeCardRecord(deps, jobId, { outTrackId, state: 'creating', shown: '' });
  const { cardContentKey: contentKey, cardCallbackRouteKey: callbackRouteKey } = deps.robotOptions(data.robotCode);
  const card = { outTrackId, templateId, robotCode: data.robotCode || app.appKey, contentKey, callbackRouteKey };
  let answer: Record<string, unknown>;
  try {
    answer = await requiredCardCall(deps, app, 'POST', CREATE_AND_DELIVER_PATH, () => createCardBody(data, card));
  } catch (error) {
    if (classifyError(error).kind !== 'fatal') throw error;
    return refuse(deps, jobId, data, error);
  }
  if (!deliveredToEveryone(answer)) return refuse(deps, jobId, data, new Error('DingTalk created the card but did not deliver it to the chat'));
  const created: CardRecord = { outTrackId, state: 'created', shown: '' };
  await writeCardRecord(deps, jobId, created);
  deps.metrics.cards.inc({ result: 'created' });
  return created;
}

/** `createAndDeliver` reports each target in `result.deliverResults`; nobody has seen a card that was not delivered. */
function deliveredToEveryone(answer: Record<string, unknown>): boolean {
  const result = answer.result;
  const deliveries = result && typeof result === 'object' && 'deliverResults' in result ? result.deliverResults : undefined;
  return !Array.isArray(deliveries) || deliveries.every((entry: unknown) => !(entry && typeof entry === 'object' && 'success' in entry && entry.success === false));
}

async function refuse(deps: OpenCardDeps, jobId: string, data: MessageJob, error: unknown): Promise<undefined> {
  await writeCardRecord(deps, jobId, { state: 'refused' });
  deps.metrics.cards.inc({ result: 'refused' });
  deps.logger.warn({ msgId: data.msgId, jobId, err: error }, 'AI card refused by DingTalk; this answer goes out as messages');
  return undefined;
}
