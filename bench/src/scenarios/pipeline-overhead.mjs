import { tallyAnswers, waitForAnswers } from '../answers.mjs';
import { trackedMessage } from '../callbacks.mjs';
import { progress } from '../progress.mjs';
import { non2xx, sendBurst, sendSteady } from '../send.mjs';
import { percentile } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const MODEL_LATENCY_MS = 200;
const MESSAGES = 300;
const PER_SECOND = 50;
/** Answered before the measurement, so the first measured messages do not pay for cold code paths. */
const WARMUP_MESSAGES = 20;

/**
 * 2. Pipeline overhead: callback sent → reply received by DingTalk, minus the model's fixed latency,
 * at a steady 50 messages/s from distinct users; gateway and 2 workers.
 */
export async function pipelineOverhead(ctx) {
  return withSystem(ctx, { label: 'pipeline', openai: { latencyMs: MODEL_LATENCY_MS }, workers: 2 }, async (system) => {
    const warmup = Array.from({ length: WARMUP_MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'warm', index));
    const warmTokens = warmup.map((message) => message.token);
    await sendBurst(system.gateway.port, warmup, 8);
    await waitForAnswers(system.dingtalk, warmTokens, { deadline: Date.now() + 20_000, settleMs: 0 });

    const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'pipe', index));
    const tokens = messages.map((message) => message.token);
    progress(`pipeline: sending ${MESSAGES} messages at ${PER_SECOND}/s (model latency ${MODEL_LATENCY_MS} ms, 2 workers)`);
    const { sentAt, ackedAt, statuses } = await sendSteady(system.gateway.port, messages, PER_SECOND);
    const tally = await waitForAnswers(system.dingtalk, tokens, {
      deadline: Date.now() + 30_000,
      onProgress: (count) => progress(`pipeline: ${count}/${MESSAGES} answered`),
    });
    // Lost and duplicated answers count for every message sent, warm-up included.
    const warm = tallyAnswers(system.dingtalk, warmTokens);
    const overheads = [...tally.firstAnswerAt].map(([token, at]) => at - sentAt.get(token) - MODEL_LATENCY_MS);
    // Where the overhead goes: before the model call (gateway, queue, worker's steps before the
    // call) and after it (reading the answer, delivering it). The fake model sees the question.
    const modelCalledAt = new Map();
    for (const request of system.openai.requests) {
      const text = JSON.stringify(request.body.messages ?? []);
      const token = /问题 ([\w-]+)/.exec(text)?.[1];
      if (token && !modelCalledAt.has(token)) modelCalledAt.set(token, request.receivedAt);
    }
    const stage = (values) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });
    const answered = [...tally.firstAnswerAt.keys()].filter((token) => modelCalledAt.has(token));
    const stagesMs = {
      ack: stage([...ackedAt].map(([token, at]) => at - sentAt.get(token))),
      toModel: stage(answered.map((token) => modelCalledAt.get(token) - sentAt.get(token))),
      afterModel: stage(answered.map((token) => tally.firstAnswerAt.get(token) - modelCalledAt.get(token) - MODEL_LATENCY_MS)),
    };
    const result = {
      messages: MESSAGES,
      perSecond: PER_SECOND,
      modelLatencyMs: MODEL_LATENCY_MS,
      overheadMs: { p50: percentile(overheads, 50), p99: percentile(overheads, 99), max: percentile(overheads, 100) },
      stagesMs,
      non2xx: non2xx(statuses),
      lost: tally.lost + warm.lost,
      duplicated: tally.duplicated + warm.duplicated,
      failed: tally.failed + warm.failed,
    };
    progress(
      `pipeline: overhead p50 ${result.overheadMs.p50} ms, p99 ${result.overheadMs.p99} ms ` +
        `(p50 ack ${stagesMs.ack.p50}, sent→model ${stagesMs.toModel.p50}, model→delivered ${stagesMs.afterModel.p50} ms), ` +
        `lost ${result.lost}, duplicated ${result.duplicated}, failed ${result.failed}`,
    );
    return result;
  });
}
