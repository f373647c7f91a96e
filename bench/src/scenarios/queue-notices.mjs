import { randomBytes } from 'node:crypto';
import { buildCallback, buildGroupCallback } from '@dtbot/testkit';
import { judgeNotices } from '../notice-accuracy.mjs';
import { progress, sleep } from '../progress.mjs';
import { sendBurst } from '../send.mjs';
import { withSystem } from '../system.mjs';

const RUN_ID = randomBytes(4).toString('hex');
const MODEL_LATENCY_MS = 600;
const WORKERS = 2;
const CONCURRENCY = 4;
const NOTICE_AFTER_MS = 5000;

/**
 * The burst after a quiet spell: one slot (one worker, concurrency 1), so one answer runs at a time, 40 questions
 * at once, told after a second. Quiet for longer than a notice's wait, after one answer that warms the process.
 */
const QUIET = { questions: 40, modelLatencyMs: 450, noticeAfterMs: 1000, quietMs: 10_000 };

/**
 * A backlog of 300 as busy chats make one: 250 private chats with one question, 10 of them with a second (a
 * memory thread), a group whose 40 members ask at once, and a few commands (which must get no notice).
 */
function backlogMessages(dingtalk) {
  const messages = [];
  const add = (token, payload, command = false) => messages.push({ token, command, body: JSON.stringify(payload) });
  const privately = (user, index, text) => {
    const token = `notice-${RUN_ID}-${user}-${index}`;
    const payload = buildCallback({ msgId: `msgbench.${token}`, senderStaffId: `bench-${RUN_ID}-${user}`, conversationId: `cid-${RUN_ID}-${user}`, sessionWebhook: dingtalk.sessionWebhook(token), text: text ?? `问题 ${token}` });
    add(token, payload, text !== undefined);
  };
  for (let user = 0; user < 245; user += 1) privately(user, 0);
  for (let user = 0; user < 10; user += 1) privately(user, 1);
  for (let member = 0; member < 40; member += 1) {
    const token = `notice-${RUN_ID}-group-${member}`;
    add(token, buildGroupCallback({ msgId: `msgbench.${token}`, senderStaffId: `bench-${RUN_ID}-member-${member}`, conversationId: `cid-${RUN_ID}-group`, sessionWebhook: dingtalk.sessionWebhook(token), text: `问题 ${token}` }));
  }
  for (let user = 0; user < 5; user += 1) privately(`commander-${user}`, 0, '/help');
  return messages;
}

/** One private chat's question, named `notice-<run>-<name>` (its token, its webhook's session). */
function privateQuestion(dingtalk, name) {
  const token = `notice-${RUN_ID}-${name}`;
  const payload = buildCallback({ msgId: `msgbench.${token}`, senderStaffId: `bench-${RUN_ID}-${name}`, conversationId: `cid-${RUN_ID}-${name}`, sessionWebhook: dingtalk.sessionWebhook(token), text: `问题 ${token}` });
  return { token, command: false, body: JSON.stringify(payload) };
}

/**
 * 14. Queue notices, judged per told message by `judgeNotices` (place against the jobs the queue then served,
 * wait against the time to its own model call). First 2 workers (4 slots each, model latency 600 ms) drain a burst
 * of 300 messages with `QUEUE_NOTICE_AFTER_MS` = 5000; then, on a fresh system, one slot meets 40 questions at once
 * after a quiet spell with `QUEUE_NOTICE_AFTER_MS` = 1000: notices go out while the drain has only just begun.
 */
export async function queueNotices(ctx) {
  const backlog = await backlogDrain(ctx);
  return { ...backlog, burstAfterQuiet: await burstAfterQuiet(ctx) };
}

async function backlogDrain(ctx) {
  const options = {
    label: 'notices',
    openai: { latencyMs: MODEL_LATENCY_MS },
    workers: WORKERS,
    env: { QUEUE_NOTICE_AFTER_MS: String(NOTICE_AFTER_MS) },
    workerEnv: { WORKER_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: 'info' },
  };
  return withSystem(ctx, options, async (system) => {
    const backlog = backlogMessages(system.dingtalk);
    progress(`notices: ${backlog.length} messages in a burst, ${WORKERS} workers x ${CONCURRENCY} slots, model latency ${MODEL_LATENCY_MS} ms, notice after ${NOTICE_AFTER_MS} ms`);
    const statuses = await sendBurst(system.gateway.port, backlog, 64);
    const result = {
      backlog: backlog.length,
      workers: WORKERS,
      concurrency: CONCURRENCY,
      modelLatencyMs: MODEL_LATENCY_MS,
      noticeAfterMs: NOTICE_AFTER_MS,
      ...(await judgeNotices(ctx, system, backlog, { tokenPrefix: `notice-${RUN_ID}-`, statuses })),
    };
    progress(
      `notices: ${result.noticed} told (largest place ${result.largestPlace}); place error p50 ${result.place?.p50Percent} % max ${result.place?.maxPercent} %; ` +
        `estimate error p50 ${result.estimate?.p50Percent} % max ${result.estimate?.maxPercent} %`,
    );
    return result;
  });
}

async function burstAfterQuiet(ctx) {
  const options = {
    label: 'notices-quiet',
    openai: { latencyMs: QUIET.modelLatencyMs },
    workers: 1,
    env: { QUEUE_NOTICE_AFTER_MS: String(QUIET.noticeAfterMs) },
    workerEnv: { WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info' },
  };
  return withSystem(ctx, options, async (system) => {
    const warmUp = privateQuestion(system.dingtalk, 'warm-up');
    await sendBurst(system.gateway.port, [warmUp], 1);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !system.dingtalk.delivered().some((m) => m.target === warmUp.token)) await sleep(50);
    progress(`notices after quiet: ${QUIET.quietMs} ms quiet, then ${QUIET.questions} questions at once, 1 slot, model latency ${QUIET.modelLatencyMs} ms, notice after ${QUIET.noticeAfterMs} ms`);
    await sleep(QUIET.quietMs);
    const burst = Array.from({ length: QUIET.questions }, (_, i) => privateQuestion(system.dingtalk, `quiet-${i}`));
    const statuses = await sendBurst(system.gateway.port, burst, 64);
    const result = { ...QUIET, ...(await judgeNotices(ctx, system, burst, { tokenPrefix: `notice-${RUN_ID}-`, statuses })) };
    progress(
      `notices after quiet: ${result.noticed} told (largest place ${result.largestPlace}); place error p50 ${result.place?.p50Percent} % max ${result.place?.maxPercent} %; ` +
        `estimate error p50 ${result.estimate?.p50Percent} % max ${result.estimate?.maxPercent} %`,
    );
    return result;
  });
}
