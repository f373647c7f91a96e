import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { startGateway, startNaiveGateway } from '../apps.mjs';
import { appEnv, createLoadBodies } from '../callbacks.mjs';
import { DISTURBED_CORES, watchCpu } from '../cpu-usage.mjs';
import { runLoad } from '../load.mjs';
import { progress } from '../progress.mjs';
import { checkAckedJobs, obliterate, openQueue } from '../queue-check.mjs';
import { sampleRss } from '../rss.mjs';
import { measureStorePath } from '../store-path-costs.mjs';
import { round } from '../stats.mjs';

const CONNECTIONS = 64;
const WARMUP_SECONDS = Number(process.env.BENCH_ACK_WARMUP_SECONDS ?? 3);
const MEASURE_SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);
/** Alternating, so a slow moment of the machine does not favour one side; the best of each counts. */
const ORDER = ['naive', 'ours', 'naive', 'ours'];
/** No worker runs in this phase, so no sessionWebhook is ever called; it only has to be allowed. */
const WEBHOOK_ORIGIN = 'http://127.0.0.1:9';

/**
 * 1. Gateway ack throughput: the naive baseline and our gateway, one after the other on the same
 * Redis, under the same load of signed callbacks from 1000 private chats.
 */
export async function gatewayAck(ctx) {
  const prefix = ctx.newPrefix('ack');
  const queue = openQueue(ctx.redis, prefix);
  // Our gateway as it ships: it schedules each message's queue notice in the script that numbers it.
  const env = { ...appEnv(ctx, prefix, { origin: WEBHOOK_ORIGIN, apiBaseURL: WEBHOOK_ORIGIN }), QUEUE_NOTICE_AFTER_MS: '5000' };
  const rounds = [];
  try {
    for (const [index, kind] of ORDER.entries()) rounds.push(await measureRound(ctx, { env, queue, kind, number: index + 1 }));
    // A round shared with other work is flagged; a side with no clean round gets one more.
    for (const kind of ['naive', 'ours']) {
      if (rounds.some((result) => result.kind === kind && !result.disturbed)) continue;
      progress(`ack: every ${kind} round shared the machine with other work; one more`);
      rounds.push(await measureRound(ctx, { env, queue, kind, number: rounds.length + 1 }));
    }
  } finally {
    await queue.close();
    await ctx.cleanupPrefix(prefix);
  }
  const failed = (error) => ({ error: error instanceof Error ? error.message : String(error) });
  const ownCore = await redisOnItsOwnCore(ctx, env, prefix).catch(failed);
  // After the rounds, so that it takes nothing from them; the rounds stand even if it fails.
  const storePath = await measureStorePath(ctx).catch(failed);
  return { ...summarise(rounds), redisOnOwnCore: ownCore, storePath };
}

/**
 * The same rounds with Redis on a core of its own and the gateway and the load generator on the others, as in a
 * deployment where Redis has a machine or cores of its own: Redis' work then no longer takes the gateway's CPU, and
 * the ratio is the gateways' own. Affinities are set with `taskset` and put back to every core afterwards; without
 * `taskset`, two cores, or Redis' process id, these rounds are skipped.
 */
async function redisOnItsOwnCore(ctx, env, prefix) {
  const cores = availableParallelism();
  if (!ctx.redisPid) return { skipped: 'Redis\' process id is unknown' };
  if (cores < 2) return { skipped: 'one core' };
  const taskset = (...args) => promisify(execFile)('taskset', args);
  const all = `0-${cores - 1}`;
  const others = cores === 2 ? '0' : `0-${cores - 2}`;
  try {
    await taskset('-pc', String(cores - 1), String(ctx.redisPid));
  } catch (error) {
    return { skipped: `taskset: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  const queue = openQueue(ctx.redis, `${prefix}own`);
  const rounds = [];
  try {
    // -a: every thread of this process (the load generator); the gateways it starts inherit it.
    await taskset('-apc', others, String(process.pid));
    progress(`ack: Redis on core ${cores - 1}, the gateway and the load on ${others}`);
    const ownEnv = { ...env, REDIS_PREFIX: `${prefix}own` };
    for (const [index, kind] of ORDER.entries()) rounds.push(await measureRound(ctx, { env: ownEnv, queue, kind, number: index + 1 }));
  } finally {
    await taskset('-apc', all, String(process.pid)).catch(() => undefined);
    await taskset('-pc', all, String(ctx.redisPid)).catch(() => undefined);
    await queue.close();
    await ctx.cleanupPrefix(`${prefix}own`);
  }
  return { cores: { redis: String(cores - 1), others }, ...summarise(rounds) };
}

/** One gateway process: start, warm up, measure, stop; then check its jobs and empty the queue. */
async function measureRound(ctx, { env, queue, kind, number }) {
  const label = `${kind} #${number}`;
  // The profile is named after the process: CPU.<date>.<time>.<pid>.….cpuprofile
  const profile = ctx.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfileDir}`] : [];
  const app = kind === 'naive' ? await startNaiveGateway(ctx.logDir, env, profile) : await startGateway(ctx.logDir, env, profile);
  if (profile.length > 0) progress(`ack ${label}: CPU profile of pid ${app.pid} goes to ${ctx.cpuProfileDir}`);
  const rss = sampleRss(app.pid);
  let warm;
  let load;
  let cpu;
  try {
    const nextBody = createLoadBodies({ label: `${kind}${number}`, webhookOrigin: WEBHOOK_ORIGIN });
    progress(`ack ${label}: warm-up ${WARMUP_SECONDS} s, ${CONNECTIONS} connections`);
    warm = await runLoad({ port: app.port, seconds: WARMUP_SECONDS, connections: CONNECTIONS, nextBody });
    progress(`ack ${label}: measuring ${MEASURE_SECONDS} s`);
    const watch = watchCpu([app.pid, ctx.redisPid ?? 0, process.pid]);
    load = await runLoad({ port: app.port, seconds: MEASURE_SECONDS, connections: CONNECTIONS, nextBody });
    cpu = watch.stop();
  } finally {
    rss.stop(); // before the process exits: its VmHWM goes with it
    await app.stop();
  }
  const memory = rss.stop();
  const jobs = await checkAckedJobs(queue, new Set([...warm.acked, ...load.acked]));
  await obliterate(queue);

  const result = {
    kind,
    round: number,
    requestsPerSecond: Math.round(load.requestsPerSecond),
    latencyMs: { p50: round(load.latencyMs.p50, 2), p99: round(load.latencyMs.p99, 2), max: round(load.latencyMs.max, 2) },
    answered: load.answered,
    non2xx: load.non2xx + warm.non2xx,
    statuses: mergeCounts(warm.statuses, load.statuses),
    errors: load.errors + warm.errors,
    timeouts: load.timeouts + warm.timeouts,
    // Cores busy on average while measuring: the gateway, Redis, the load generator (this
    // process), and anything else on the machine (which makes a round unreliable).
    cpuCores: {
      gateway: round(cpu.ownCores[0], 2),
      redis: ctx.redisPid ? round(cpu.ownCores[1], 2) : undefined,
      loadGenerator: round(cpu.ownCores[2], 2),
      other: round(cpu.otherCores, 2),
    },
    disturbed: cpu.otherCores > DISTURBED_CORES,
    rssPeakMB: round(memory.peakMB),
    rssHwmMB: round(memory.hwmMB),
    jobs,
  };
  progress(
    `ack ${label}: ${result.requestsPerSecond} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
      `non-2xx ${result.non2xx}, CPU gw/redis/load/other ${Object.values(result.cpuCores).join('/')}, RSS ${result.rssPeakMB} MB; ` +
      `acked ${jobs.acked}: one job ${jobs.withOneJob}, none ${jobs.withoutJob}, several ${jobs.withSeveralJobs}`,
  );
  return result;
}

/** The gateway process's CPU time per answered callback while measuring (µs). */
function cpuPerCallbackUs(result) {
  return round((result.cpuCores.gateway * 1e6) / result.requestsPerSecond, 1);
}

/** Redis' CPU time per answered callback while measuring (µs): the store's work, which shares the machine's cores. */
function redisCpuPerCallbackUs(result) {
  return round((result.cpuCores.redis * 1e6) / result.requestsPerSecond, 1);
}

function mergeCounts(...counts) {
  const merged = {};
  for (const count of counts) for (const [key, value] of Object.entries(count)) merged[key] = (merged[key] ?? 0) + value;
  return merged;
}

function summarise(rounds) {
  // The best clean round of each side; a disturbed one only when a side has nothing else.
  const best = (kind) => {
    const all = rounds.filter((result) => result.kind === kind);
    const clean = all.filter((result) => !result.disturbed);
    return (clean.length > 0 ? clean : all).reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  };
  const naive = best('naive');
  const ours = best('ours');
  const oursRounds = rounds.filter((result) => result.kind === 'ours');
  return {
    connections: CONNECTIONS,
    warmupSeconds: WARMUP_SECONDS,
    seconds: MEASURE_SECONDS,
    rounds,
    naive,
    ours,
    ratio: round(ours.requestsPerSecond / naive.requestsPerSecond, 3),
    // On a machine of few cores the gateway, Redis and the load share them: the ratio comes from the gateway's CPU
    // per callback and Redis' together.
    cpuPerCallbackUs: { naive: cpuPerCallbackUs(naive), ours: cpuPerCallbackUs(ours) },
    redisCpuPerCallbackUs: { naive: redisCpuPerCallbackUs(naive), ours: redisCpuPerCallbackUs(ours) },
    oursRssPeakMB: round(Math.max(...oursRounds.map((result) => Math.max(result.rssPeakMB, result.rssHwmMB ?? 0)))),
    /** Every acknowledged request of every round became exactly one job. */
    everyAckOneJob: rounds.every((result) => result.jobs.withOneJob === result.jobs.acked && result.jobs.counted === result.jobs.jobs),
    non2xx: rounds.reduce((sum, result) => sum + result.non2xx, 0),
  };
}
