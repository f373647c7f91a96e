import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedisServer } from '@dtbot/redis-server';
import { DISTURBED_CORES, watchCpu } from './cpu-usage.mjs';
import { readRedisWork, redisWorkPer } from './redis-work.mjs';
import { round } from './stats.mjs';

const CHILD = fileURLToPath(new URL('./bare-bullmq-child.mjs', import.meta.url));
const QUEUE = 'bare';
const ADD_IN_FLIGHT = 64;
const DEADLINE_MS = 60_000;

/** Resolves with the child's first message of `type`; rejects if it exits first or takes longer than `ms`. */
function messageFrom(child, type, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`bare BullMQ worker: no "${type}" within ${ms} ms`)), ms);
    const onMessage = (message) => message?.type === type && finish();
    const onExit = (code, signal) => finish(new Error(`bare BullMQ worker exited (${code ?? signal}) before "${type}"`));
    function finish(error) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Job data of `bytes` bytes once stored (BullMQ stores it as JSON), like a message job's. */
function payloadOf(bytes) {
  const empty = Buffer.byteLength(JSON.stringify({ text: '' }));
  return { text: 'x'.repeat(Math.max(0, bytes - empty)) };
}

/**
 * The baseline for the worker's Redis and CPU cost: bare BullMQ on a redis-server of its own.
 * `jobs` jobs of `payloadBytes` are added with `queue.add` (default job options), then a BullMQ
 * Worker with `concurrency` in a child process (its CPU read from outside, as our worker's is)
 * completes them with a processor that returns at once, or (`processorMs`) after as long as the drain's
 * fake model takes: paced so, its jobs finish one by one as ours do, and share fewer socket reads.
 * Measured from the worker being connected to its last completed job: per job, Redis commands, script
 * calls, main-thread CPU and socket reads, and the worker process's CPU.
 */
export async function measureBareBullMQ({ jobs, concurrency, payloadBytes, processorMs = 0 }) {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection: redis });
  let child;
  try {
    const data = payloadOf(payloadBytes);
    const addBefore = await readRedisWork(redis);
    for (let start = 0; start < jobs; start += ADD_IN_FLIGHT) {
      const count = Math.min(ADD_IN_FLIGHT, jobs - start);
      await Promise.all(Array.from({ length: count }, () => queue.add('message', data)));
    }
    const added = redisWorkPer(addBefore, await readRedisWork(redis), jobs);
    child = fork(CHILD, [], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: server.url, QUEUE, CONCURRENCY: String(concurrency), JOBS: String(jobs), PROCESSOR_MS: String(processorMs) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await messageFrom(child, 'ready', DEADLINE_MS);
    const before = await readRedisWork(redis);
    const watch = watchCpu([child.pid, server.process.pid, process.pid]);
    const startedAt = Date.now();
    const done = messageFrom(child, 'done', DEADLINE_MS);
    child.send('run');
    await done;
    const seconds = (Date.now() - startedAt) / 1000;
    const cpu = watch.stop();
    const after = await readRedisWork(redis);
    const work = redisWorkPer(before, after, jobs);
    return {
      jobs,
      concurrency,
      processorMs,
      payloadBytes: Buffer.byteLength(JSON.stringify(data)),
      seconds: round(seconds, 2),
      perSecond: Math.round(jobs / seconds),
      workerCpuMsPerJob: round(cpu.ownMs[0] / jobs, 3),
      redisCommandsPerJob: work.commands,
      addRedisCommandsPerJob: added.commands,
      addRedisCpuUsPerJob: added.redisCpuUs,
      scriptCallsPerJob: work.scriptCalls,
      redisCpuUsPerJob: work.redisCpuUs,
      redisCpuSource: work.cpuSource,
      socketReadsPerJob: work.socketReads,
      busiestRedisCommands: work.busiest,
      redisCommands: work.all,
      disturbed: cpu.otherCores > DISTURBED_CORES,
    };
  } finally {
    child?.kill('SIGKILL');
    await queue.close().catch(() => undefined);
    redis.disconnect();
    await server.stop();
  }
}
