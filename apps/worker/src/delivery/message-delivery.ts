import { JOB_RETENTION } from '@dtbot/queue';
import type { MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import type { AnswerDelivery, DeliveryLabel } from './answer-delivery.js';
import { formatReply, type ReplyMessage } from './format-reply.js';
import type { RouteName } from './message-route.js';
import { readDelivered, recordDelivered } from './record-delivered.js';
import { splitAnswer } from './split-answer.js';

/** As long as a failed job stays for an operator to retry, so a retry sends none of its parts twice. */
const RECORD_TTL_SECONDS = JOB_RETENTION.failed.age;

/**
 * A text as ordered markdown messages, each part exactly once: a part is recorded as delivered
 * (`delivered:<jobId>`, a line `<label>.<index>=<route>`) right after DingTalk accepted it, and a
 * retried job skips recorded parts. The one window left is a crash between DingTalk's acceptance
 * and the record (milliseconds), which can repeat that part. `send` carries one message by the route
 * it chooses and names that route. A held notice is a text of its own, recorded under `notice`.
 */
export function messageDelivery(
  deps: Pick<WorkerDeps, 'redis' | 'keys' | 'metrics'>,
  jobId: string,
  data: MessageJob,
  label: DeliveryLabel,
  send: (message: ReplyMessage) => Promise<RouteName>,
  /** No part of `label`'s text can have been delivered yet (the job's first start): its record is not read. */
  unwritten = false,
): AnswerDelivery {
  async function deliver(name: DeliveryLabel, text: string): Promise<void> {
    const parts = splitAnswer(text);
    const recordKey = deps.keys.delivered(jobId);
    const delivered = new Set(unwritten && name === label ? [] : await readDelivered(deps.redis, recordKey));
    // Counted once per answer: a retry that resumes after some parts went out is the same answer.
    if (name === 'answer' && ![...delivered].some((field) => field.startsWith(`${name}.`))) {
      deps.metrics.answerParts.observe(parts.length);
    }
    let recorded = false;
    for (const [index, part] of parts.entries()) {
      const field = `${name}.${index}`;
      if (delivered.has(field)) continue;
      const route = await send(formatReply(data, part, { index, count: parts.length }));
      await recordDelivered(deps.redis, recordKey, field, route, RECORD_TTL_SECONDS, recorded);
      recorded = true;
      deps.metrics.deliveries.inc({ route, result: 'ok' });
    }
  }
  return {
    via: 'message',
    showsProgress: false,
    progress: () => undefined,
    discard: async () => undefined,
    finish: (text) => deliver(label, text),
    hold: (text) => deliver('notice', text),
  };
}
