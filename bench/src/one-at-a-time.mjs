import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedisServer } from '@dtbot/redis-server';
import { cleanupPrefix } from '@dtbot/testkit';
import { trackedMessage } from './callbacks.mjs';
import { waitForAnswers } from './answers.mjs';
import { sleep } from './progress.mjs';
import { postCallback } from './send.mjs';
import { round } from './stats.mjs';
import { withSystem } from './system.mjs';

const CHILD = fileURLToPath(new URL('./bare-bullmq-child.mjs', import.meta.url));
const QUEUE = 'bare-one-at-a-time';
/** After each answer, before the next message: the worker's end of the job (memory, turn, BullMQ's completion) is over. */
const SETTLE_MS = 25;
/** How long Redis is watched with nothing sent, for the reads that come whether or not a message is in flight. */
const IDLE_MS = 1000;
const DEADLINE_MS = 60_000;

/**
 * Redis round trips per message, honestly counted: with ONE message in flight (each sent once the one before was
 * answered), nothing else shares a request batch, so every socket read Redis makes (`INFO stats`
 * `total_reads_processed`) is one request batch a client sent and waited on: a round trip (a pipeline is one, as
 * long as it arrives in one read). On a redis-server of its own, for ours and for bare BullMQ measured the same way:
 * - storing alone, no worker running: the reads per message of storing it (our gateway; bare BullMQ's `queue.add`);
 * - answering, the worker up: the reads per message of storing and answering it;
 * - the worker's round trips per message: the second less the first. Each phase's reads less what Redis reads
 *   with nothing in flight (timers, blocking fetches timing out: measured for `IDLE_MS` beside each phase, pro rata)
 *   and the phase's own closing INFO. Everything is warmed up first (scripts loaded), as in a drain.
 */
export async function measureOneAtATime(ctx, { messages, modelLatencyMs, payloadBytes }) {
  const ours = await oursOneAtATime(ctx, { messages, modelLatencyMs });
  const bare = await bareOneAtATime({ jobs: messages, processorMs: modelLatencyMs, payloadBytes });
  return { messages, settleMs: SETTLE_MS, ours, bare, ratio: ours.workerRoundTrips > 0 && bare.workerRoundTrips > 0 ? round(ours.workerRoundTrips / bare.workerRoundTrips, 2) : undefined };
}

async function readsOf(redis) {
  const info = await redis.call('INFO', 'stats');
  return Number(/^total_reads_processed:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}

/** Socket reads while `act` ran, less its closing INFO; and how long it took. */
async function readsWhile(redis, act) {
  const before = await readsOf(redis);
  const started = performance.now();
  await act();
  const ms = performance.now() - started;
  return { reads: (await readsOf(redis)) - before - 1, ms };
}

/** Reads per ms with nothing in flight. */
async function idleRate(redis) {
  const { reads, ms } = await readsWhile(redis, () => sleep(IDLE_MS));
  return Math.max(0, reads) / ms;
}

/** Per message: a phase's reads less the idle reads of as long. */
function perMessage(phase, rate, count) {
  return (phase.reads - rate * phase.ms) / count;
}

function summary(store, answer, count) {
  const storing = perMessage(store.phase, store.idle, count);
  const storingAndAnswering = perMessage(answer.phase, answer.idle, count);
  return {
    storeRoundTrips: round(storing, 2),
    storeAndAnswerRoundTrips: round(storingAndAnswering, 2),
    workerRoundTrips: round(storingAndAnswering - storing, 2),
    idleReadsPerSecond: round(answer.idle * 1000, 1),
  };
}

async function oursOneAtATime(ctx, { messages, modelLatencyMs }) {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  try {
    const own = { ...ctx, redisUrl: server.url, redisPid: server.process.pid, cleanupPrefix: (prefix) => cleanupPrefix(redis, prefix) };
    return await withSystem(own, { label: 'one-at-a-time', openai: { latencyMs: modelLatencyMs } }, async (system) => {
      const port = system.gateway.port;
      const batch = (label) => Array.from({ length: messages }, (_, index) => trackedMessage(system.dingtalk, label, index));
      const [warmUp, stored, answered] = [trackedMessage(system.dingtalk, 'single-warm-up', 0), batch('single-stored'), batch('single-answered')];
      const send = async (message) => {
        const status = await postCallback(port, message.body);
        if (status !== 200) throw new Error(`one at a time: the gateway answered ${status}`);
      };
      await send(warmUp);
      const store = { idle: await idleRate(redis) };
      store.phase = await readsWhile(redis, async () => {
        for (const message of stored) await send(message);
      });
      await system.addWorker();
      const warm = await waitForAnswers(system.dingtalk, [warmUp, ...stored].map(({ token }) => token), { deadline: Date.now() + DEADLINE_MS, settleMs: SETTLE_MS });
      if (warm.answered !== messages + 1) throw new Error(`one at a time: ${warm.answered} of ${messages + 1} stored messages answered`);
      const answer = { idle: await idleRate(redis) };
      answer.phase = await readsWhile(redis, async () => {
        for (const message of answered) {
          await send(message);
          await answerOf(system.dingtalk, message.token);
          await sleep(SETTLE_MS);
        }
      });
      return summary(store, answer, messages);
    });
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

/** Resolves once the fake DingTalk has the answer to the message of `token`. */
async function answerOf(dingtalk, token) {
  const deadline = Date.now() + DEADLINE_MS;
  while (!dingtalk.webhookMessages.some((message) => message.session === token)) {
    if (Date.now() > deadline) throw new Error(`one at a time: no answer to ${token}`);
    await sleep(2);
  }
}

async function bareOneAtATime({ jobs, processorMs, payloadBytes }) {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection: redis });
  let child;
  try {
    const empty = Buffer.byteLength(JSON.stringify({ text: '' }));
    const data = { text: 'x'.repeat(Math.max(0, payloadBytes - empty)) };
    await queue.add('message', data);
    const store = { idle: await idleRate(redis) };
    store.phase = await readsWhile(redis, async () => {
      for (let index = 0; index < jobs; index += 1) await queue.add('message', data);
    });
    child = fork(CHILD, [], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: server.url, QUEUE, CONCURRENCY: '20', JOBS: String(2 * jobs + 1), PROCESSOR_MS: String(processorMs), EACH: '1' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let completed = 0;
    child.on('message', (message) => {
      if (message?.type === 'completed') completed += 1;
    });
    const completion = async (count) => {
      const deadline = Date.now() + DEADLINE_MS;
      while (completed < count) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`bare BullMQ one at a time: ${completed} of ${count} jobs completed`);
        await sleep(2);
      }
    };
    await new Promise((resolve) => child.once('message', resolve)); // ready
    child.send('run');
    await completion(jobs + 1);
    await sleep(SETTLE_MS);
    const answer = { idle: await idleRate(redis) };
    answer.phase = await readsWhile(redis, async () => {
      for (let index = 0; index < jobs; index += 1) {
        await queue.add('message', data);
        await completion(jobs + 2 + index);
        await sleep(SETTLE_MS);
      }
    });
    return summary(store, answer, jobs);
  } finally {
    child?.kill('SIGKILL');
    await queue.close().catch(() => undefined);
    redis.disconnect();
    await server.stop();
  }
}
