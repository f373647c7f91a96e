import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startRedisServer } from '@dtbot/redis-server';
import { cleanupPrefix } from '@dtbot/testkit';
import { tallyAnswers, waitForAnswers } from '../answers.mjs';
import { trackedMessage } from '../callbacks.mjs';
import { DISTURBED_CORES, watchCpu } from '../cpu-usage.mjs';
import { progress, sleep } from '../progress.mjs';
import { commandCalls, commandsPer } from '../redis-commands.mjs';
import { non2xx, sendBurst } from '../send.mjs';
import { round } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const MESSAGES = 2000;
const MODEL_LATENCY_MS = 20;
const DEADLINE_MS = 120_000;

/**
 * 4. Drain rate: a backlog of N messages (distinct users) stored while no worker runs, then 1
 * worker process, then (on a fresh queue) 2; time from the workers being up to the last answer,
 * and what each message cost the workers: CPU milliseconds, Redis commands (INFO commandstats of a
 * redis-server of the scenario's own, so no one else's commands count) and peak RSS.
 * BENCH_CPU_PROF=1 writes the workers' --cpu-prof profiles next to the gateways'.
 */
export async function drainRate(ctx) {
  const one = await drainWith(ctx, 1);
  const two = await drainWith(ctx, 2);
  return { messages: MESSAGES, modelLatencyMs: MODEL_LATENCY_MS, one, two, ratio: round(two.perSecond / one.perSecond, 2) };
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
    const statuses = await sendBurst(system.gateway.port, messages, 64);
    progress(`drain ×${workerCount}: starting ${workerCount} worker process(es), concurrency 20 each`);
    const callsBefore = await commandCalls(redis);
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
    const callsAfter = await commandCalls(redis);
    await sleep(500); // late duplicates
    const tally = tallyAnswers(system.dingtalk, tokens);
    const lastAnswer = Math.max(...tally.firstAnswerAt.values());
    const seconds = (lastAnswer - started) / 1000;
    // INFO itself is one command of the reading; the gateway is idle, so the rest is the workers'.
    const redisCommands = commandsPer(callsBefore, callsAfter, tally.answered);
    const workerCpuMs = cpu.ownMs.slice(0, workerCount).reduce((sum, ms) => sum + ms, 0);
    const result = {
      workers: workerCount,
      cpuMsPerMessage: round(workerCpuMs / tally.answered, 2),
      redisCommandsPerMessage: redisCommands.perMessage,
      busiestRedisCommands: redisCommands.busiest,
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
        `worker CPU ${result.cpuMsPerMessage} ms and ${result.redisCommandsPerMessage} Redis commands per message; ` +
        `lost ${result.lost}, duplicated ${result.duplicated}`,
    );
    return result;
  });
}
