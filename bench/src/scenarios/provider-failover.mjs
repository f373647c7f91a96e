import { startFakeOpenAI } from '@dtbot/testkit';
import { waitForAnswers } from '../answers.mjs';
import { trackedMessage } from '../callbacks.mjs';
import { progress } from '../progress.mjs';
import { non2xx, sendSteady } from '../send.mjs';
import { percentile, round } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const PER_SECOND = 10;
const SEND_SECONDS = 55;
/** The primary fails every call (502) from this second of the run … */
const FAIL_AT_MS = 10_000;
/** … until this one. */
const RECOVER_AT_MS = 25_000;
const MODEL_LATENCY_MS = 100;

const echo = (body) => {
  const question = (body.messages ?? []).filter((message) => message.role === 'user').at(-1)?.content;
  return `答复: ${typeof question === 'string' ? question : ''}`;
};
const tokenOf = (request) => /问题 (\S+)/.exec(String(request.body.messages?.at(-1)?.content ?? ''))?.[1];

/**
 * 9. Provider failover: messages at a steady 10/s for 55 s through a gateway and 2 workers; the
 * primary model fails every call (502) from second 10 to second 25. Run twice, with the production
 * defaults of the circuit (5 failures, 30 s cool-down): with a fallback provider (`OPENAI_FALLBACK_*`)
 * and, as the baseline, without one (the job retries alone, 5 attempts with backoff). Counts the
 * messages answered, those that waited on the dead provider (at least one of their calls reached
 * it and failed) and how much longer they took, the seconds from the first failure to the first
 * call the fallback served, and from the recovery to the primary's first answer again (a probe, once
 * the cool-down is over).
 */
export async function providerFailover(ctx) {
  const withFallback = await run(ctx, true);
  const baseline = await run(ctx, false);
  return { perSecond: PER_SECOND, sendSeconds: SEND_SECONDS, failAtSeconds: FAIL_AT_MS / 1000, recoverAtSeconds: RECOVER_AT_MS / 1000, withFallback, baseline };
}

async function run(ctx, fallbackOn) {
  const label = fallbackOn ? 'failover' : 'failover-baseline';
  const served = new WeakSet();
  const answer = (body) => {
    served.add(body);
    return echo(body);
  };
  const fallback = fallbackOn ? await startFakeOpenAI({ latencyMs: MODEL_LATENCY_MS }) : undefined;
  const workerEnv = fallback ? { OPENAI_FALLBACK_BASE_URL: fallback.baseURL, OPENAI_FALLBACK_API_KEY: 'sk-bench-fallback' } : {};
  try {
    return await withSystem(ctx, { label, openai: { latencyMs: MODEL_LATENCY_MS, answer }, workers: 2, workerEnv }, async (system) => {
      const total = PER_SECOND * SEND_SECONDS;
      const messages = Array.from({ length: total }, (_, index) => trackedMessage(system.dingtalk, label, index));
      const tokens = messages.map((message) => message.token);
      progress(`${label}: ${total} messages at ${PER_SECOND}/s; the primary fails from ${FAIL_AT_MS / 1000} s to ${RECOVER_AT_MS / 1000} s`);
      const started = Date.now();
      const failAt = started + FAIL_AT_MS;
      const recoverAt = started + RECOVER_AT_MS;
      const fail = setTimeout(() => system.openai.setBehaviour({ status: 502 }), FAIL_AT_MS);
      const recover = setTimeout(() => system.openai.setBehaviour({ status: undefined }), RECOVER_AT_MS);
      let sent;
      try {
        sent = await sendSteady(system.gateway.port, messages, PER_SECOND);
      } finally {
        clearTimeout(fail);
        clearTimeout(recover);
      }
      const tally = await waitForAnswers(system.dingtalk, tokens, {
        deadline: Date.now() + 60_000,
        onProgress: (count) => progress(`${label}: ${count}/${total} answered`),
      });

      const primary = system.openai.requests;
      const failedCalls = primary.filter((request) => !served.has(request.body));
      const waited = new Set(failedCalls.map(tokenOf).filter(Boolean));
      const latency = (token) => tally.firstAnswerAt.get(token) - sent.sentAt.get(token);
      const answeredTokens = [...tally.firstAnswerAt.keys()];
      const waitedLatencies = answeredTokens.filter((token) => waited.has(token)).map(latency);
      const otherLatencies = answeredTokens.filter((token) => !waited.has(token)).map(latency);
      const firstFallbackCall = fallback?.requests[0]?.receivedAt;
      const primaryBack = primary.find((request) => request.receivedAt >= recoverAt && served.has(request.body))?.receivedAt;
      const result = {
        fallback: fallbackOn,
        messages: total,
        answered: tally.answered,
        failed: tally.failed,
        lost: tally.lost,
        duplicated: tally.duplicated,
        non2xx: non2xx(sent.statuses),
        waitedOnDeadProvider: waited.size,
        failedPrimaryCalls: failedCalls.length,
        fallbackCalls: fallback?.requests.length ?? 0,
        answerSecondsWaited: seconds(waitedLatencies),
        answerSecondsOthers: seconds(otherLatencies),
        switchSeconds: firstFallbackCall === undefined ? undefined : round((firstFallbackCall - failAt) / 1000, 2),
        switchBackSeconds: primaryBack === undefined ? undefined : round((primaryBack - recoverAt) / 1000, 2),
      };
      progress(
        `${label}: answered ${result.answered}/${total} (${result.failed} apologies, ${result.lost} lost); ${result.waitedOnDeadProvider} waited on the dead provider ` +
          `(answer p50 ${result.answerSecondsWaited.p50} s vs ${result.answerSecondsOthers.p50} s); switch after ${result.switchSeconds ?? '—'} s, ` +
          `back ${result.switchBackSeconds ?? '—'} s after the recovery`,
      );
      return result;
    });
  } finally {
    await fallback?.close();
  }
}

function seconds(values) {
  const p = (q) => round(percentile(values, q) / 1000, 2);
  return values.length === 0 ? { count: 0 } : { count: values.length, p50: p(50), max: p(100) };
}
