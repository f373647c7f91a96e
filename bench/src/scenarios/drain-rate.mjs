import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startRedisServer } from '@dtbot/redis-server';
import { cleanupPrefix } from '@dtbot/testkit';
import { tallyAnswers, waitForAnswers } from '../answers.mjs';
import { trackedMessage } from '../callbacks.mjs';
import { DISTURBED_CORES, watchCpu } from '../cpu-usage.mjs';
import { progress, sleep } from '../progress.mjs';
import { measureBareBullMQ } from '../bare-bullmq.mjs';
import { measureOneAtATime } from '../one-at-a-time.mjs';
import { jobDataBytes } from '../job-data-size.mjs';
import { readRedisWork, redisWorkPer } from '../redis-work.mjs';
import { non2xx, sendBurst } from '../send.mjs';
import { round } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const MESSAGES = 2000;
const MODEL_LATENCY_MS = 20;
const DEADLINE_MS = 120_000;
/** WORKER_CONCURRENCY's default: the bench runs the shipped defaults, and the baseline matches them. */
const CONCURRENCY = 20;
/** Messages sent one at a time (each once the one before was answered), to count round trips. */
const ONE_AT_A_TIME = 50;

/**
 * 4. Drain rate: a backlog of N messages (distinct users) stored while no worker runs, then 1
 * worker process, then (on a fresh queue) 2; time from the workers being up to the last answer,
 * and what each message cost the workers: CPU milliseconds, Redis commands (INFO commandstats of a
 * redis-server of the scenario's own, so no one else's commands count), script calls, Redis
 * main-thread CPU, Redis socket reads and peak RSS. Between the two drains, bare BullMQ on a
 * redis-server of its own completes as many jobs of the same size with the same concurrency and a
 * processor that returns at once (bare-bullmq.mjs): the floor our worker's cost is compared with.
 * Then the round trips per message, ours and bare BullMQ's, with one message in flight (one-at-a-time.mjs).
 * BENCH_CPU_PROF=1 writes the workers' --cpu-prof profiles next to the gateways'.
 */
export async function drainRate(ctx) {
  const one = await drainWith(ctx, 1);
  progress(`drain: bare BullMQ, ${MESSAGES} jobs of ${one.jobDataBytes ?? '?'} bytes, concurrency ${CONCURRENCY}, processor returns at once`);
  const bare = await measureBareBullMQ({ jobs: MESSAGES, concurrency: CONCURRENCY, payloadBytes: one.jobDataBytes ?? 0 });
  progress(
    `drain: bare BullMQ per job: ${bare.redisCommandsPerJob} Redis commands, ${bare.scriptCallsPerJob} script calls, ` +
      `${bare.redisCpuUsPerJob} µs Redis CPU, worker CPU ${bare.workerCpuMsPerJob} ms`,
  );
  progress(`drain: bare BullMQ again, paced: its processor waits ${MODEL_LATENCY_MS} ms, as the fake model does`);
  const barePaced = await measureBareBullMQ({ jobs: MESSAGES, concurrency: CONCURRENCY, payloadBytes: one.jobDataBytes ?? 0, processorMs: MODEL_LATENCY_MS });
  progress(`drain: round trips, ${ONE_AT_A_TIME} messages one at a time (each once the one before was answered), ours and bare BullMQ's`);
  const oneAtATime = await measureOneAtATime(ctx, { messages: ONE_AT_A_TIME, modelLatencyMs: MODEL_LATENCY_MS, payloadBytes: one.jobDataBytes ?? 0 });
  progress(
    `drain: round trips per message, one at a time: worker ${oneAtATime.ours.workerRoundTrips} (storing ${oneAtATime.ours.storeRoundTrips}), ` +
      `bare BullMQ worker ${oneAtATime.bare.workerRoundTrips} (queue.add ${oneAtATime.bare.storeRoundTrips})`,
  );
  const two = await drainWith(ctx, 2);
  return {
    messages: MESSAGES,
    modelLatencyMs: MODEL_LATENCY_MS,
    one,
    two,
    ratio: round(two.perSecond / one.perSecond, 2),
    bare,
    versusBare: versusBare(one, bare),
    barePaced,
    versusBarePaced: versusBare(one, barePaced),
    oneAtATime,
  };
}

/** a + b, or undefined when either is unknown. */
function sum(a, b) {
  return a === undefined || b === undefined ? undefined : round(a + b, 2);
}

/** Our worker's cost per answered message (1 worker) over bare BullMQ's per job. */
function versusBare(ours, bare) {
  const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? undefined : round(a / b, 2));
  return {
    commands: ratio(ours.redisCommandsPerMessage, bare.redisCommandsPerJob),
    storeCommands: ratio(ours.storeRedisCommandsPerMessage, bare.addRedisCommandsPerJob),
    storeAndAnswerCommands: ratio(
      sum(ours.storeRedisCommandsPerMessage, ours.redisCommandsPerMessage),
      sum(bare.addRedisCommandsPerJob, bare.redisCommandsPerJob),
    ),
    storeAndAnswerRedisCpuUs: ratio(sum(ours.storeRedisCpuUsPerMessage, ours.redisCpuUsPerMessage), sum(bare.addRedisCpuUsPerJob, bare.redisCpuUsPerJob)),
    scriptCalls: ratio(ours.scriptCallsPerMessage, bare.scriptCallsPerJob),
    redisCpuUs: ratio(ours.redisCpuUsPerMessage, bare.redisCpuUsPerJob),
    socketReads: ratio(ours.socketReadsPerMessage, bare.socketReadsPerJob),
    workerCpuMs: ratio(ours.cpuMsPerMessage, bare.workerCpuMsPerJob),
  };
}

async function drainWith(ctx, workerCount) {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  try {
    const own = {
      ...ctx,
      redisUrl: server.url,
      redisPid: server.process.pid,
      newPrefix: (label) => ctx.newPrefix(label),
      cleanupPrefix: (prefix) => cleanupPrefix(redis, prefix),
    };
    return await drainOn(own, redis, workerCount);
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

async function drainOn(ctx, redis, workerCount) {
  const profileDir = ctx.cpuProfileDir ? `${ctx.cpuProfileDir}/drain${workerCount}` : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const workerNodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return withSystem(ctx, { label: `drain${workerCount}`, openai: { latencyMs: MODEL_LATENCY_MS }, workerNodeArgs }, async (system) => {
    const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, `drain${workerCount}`, index));
    const tokens = messages.map((message) => message.token);
    progress(`drain ×${workerCount}: storing ${MESSAGES} messages with no worker running`);
    const storeBefore = await readRedisWork(redis);
    const statuses = await sendBurst(system.gateway.port, messages, 64);
    // What storing cost Redis, per message: the other half of a message's Redis work, beside queue.add's.
    const storeWork = redisWorkPer(storeBefore, await readRedisWork(redis), MESSAGES);
    // What the baseline's jobs weigh: read before the drain, so its commands are not counted.
    const dataBytes = await jobDataBytes(redis);
    progress(`drain ×${workerCount}: starting ${workerCount} worker process(es), concurrency 20 each`);
    const workBefore = await readRedisWork(redis);
    const workers = await Promise.all(Array.from({ length: workerCount }, () => system.addWorker()));
    // From the first worker's own "listening" line (it fetches jobs from then on) to the last answer.
    const started = Math.min(...workers.map((worker) => worker.readyAt));
    // Where the CPU goes while draining: the workers, Redis, this process (the fake OpenAI and
    // DingTalk live here), anything else. On 2 cores a second worker helps only with a core to spare.
    const watch = watchCpu([...workers.map((worker) => worker.pid), ctx.redisPid ?? 0, process.pid]);
    await waitForAnswers(system.dingtalk, tokens, {
      deadline: Date.now() + DEADLINE_MS,
      settleMs: 0,
      onProgress: (count) => progress(`drain ×${workerCount}: ${count}/${MESSAGES} answered`),
    });
    const cpu = watch.stop();
    const workAfter = await readRedisWork(redis);
    await sleep(500); // late duplicates
    const tally = tallyAnswers(system.dingtalk, tokens);
    const lastAnswer = Math.max(...tally.firstAnswerAt.values());
    const seconds = (lastAnswer - started) / 1000;
    // INFO itself is one command of the reading; the gateway is idle, so the rest is the workers'.
    const redisWork = redisWorkPer(workBefore, workAfter, tally.answered);
    const workerCpuMs = cpu.ownMs.slice(0, workerCount).reduce((sum, ms) => sum + ms, 0);
    const result = {
      workers: workerCount,
      cpuMsPerMessage: round(workerCpuMs / tally.answered, 2),
      redisCommandsPerMessage: redisWork.commands,
      storeRedisCommandsPerMessage: storeWork.commands,
      storeRedisCpuUsPerMessage: storeWork.redisCpuUs,
      busiestRedisCommands: redisWork.busiest,
      redisCommands: redisWork.all,
      scriptCallsPerMessage: redisWork.scriptCalls,
      redisCpuUsPerMessage: redisWork.redisCpuUs,
      redisCpuSource: redisWork.cpuSource,
      socketReadsPerMessage: redisWork.socketReads,
      jobDataBytes: dataBytes,
      seconds: round(seconds, 2),
      perSecond: Math.round(tally.answered / seconds),
      cpuCores: {
        workers: round(cpu.ownCores.slice(0, workerCount).reduce((sum, cores) => sum + cores, 0), 2),
        redis: ctx.redisPid ? round(cpu.ownCores[workerCount], 2) : undefined,
        fakes: round(cpu.ownCores[workerCount + 1], 2),
        other: round(cpu.otherCores, 2),
      },
      disturbed: cpu.otherCores > DISTURBED_CORES,
      non2xx: non2xx(statuses),
      lost: tally.lost,
      duplicated: tally.duplicated,
      failed: tally.failed,
    };
    progress(
      `drain ×${workerCount}: ${tally.answered} answered in ${result.seconds} s = ${result.perSecond} msg/s; ` +
        `CPU workers/redis/fakes/other ${Object.values(result.cpuCores).join('/')} cores; ` +
        `worker CPU ${result.cpuMsPerMessage} ms, ${result.redisCommandsPerMessage} Redis commands and ${result.redisCpuUsPerMessage} µs Redis CPU per message; ` +
        `lost ${result.lost}, duplicated ${result.duplicated}`,
    );
    return result;
  });
}
