#!/usr/bin/env node
// `pnpm bench` (after the build): measures the product's performance figures on this machine, with
// the naive baseline measured in the same run, prints one report and writes it to
// bench/results/latest.json. Exit 0 even when a target is missed (it is a measurement); non-zero
// when the bench itself failed. Everything runs on 127.0.0.1, under Redis prefixes of its own that
// are removed at the end, also after a failure or Ctrl-C.
//
// Environment (all optional):
//   REDIS_URL            Redis to use; default 127.0.0.1:6379, or a throwaway redis-server if none answers
//   BENCH_ONLY           comma-separated subset: ack,pipeline,rateLimit,drain,crash,tokens,stream,sensitiveWords,failover,usage,redis,cards,lanes,notices,dify,tools,toolCrash,schedules,files,stop
//   BENCH_TOOLS_PER_SECOND  messages per second of the tool-round scenario (default 10)
//   BENCH_LOG_LEVEL      LOG_LEVEL of the apps (default info, the production default)
//   BENCH_ACK_SECONDS    measured seconds per ack round (default 10; warm-up BENCH_ACK_WARMUP_SECONDS, 3)
//   BENCH_STORE_PATH_CALLBACKS  callbacks per part and pass when the ack scenario times the store path (default 5000)
//   BENCH_CPU_PROF=1     write --cpu-prof profiles of our gateway under load to bench/results/cpu-profiles
//   BENCH_DASHBOARD=1    our gateway also serves the queue dashboard (to show it costs callbacks nothing)
//   BENCH_KEEP_LOGS=1    keep the apps' logs (they are kept anyway when the bench fails)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { findOrStartRedis, redact } from '@dtbot/redis-server';
import { cleanupPrefix, createTestPrefix } from '@dtbot/testkit';
import { describeMachine, redisProcessId } from './src/machine.mjs';
import { killAllChildren } from './src/processes.mjs';
import { progress } from './src/progress.mjs';
import { formatReport, summaryRows } from './src/report.mjs';
import { crashTakeover } from './src/scenarios/crash-takeover.mjs';
import { drainRate } from './src/scenarios/drain-rate.mjs';
import { fileExtraction } from './src/scenarios/file-extraction.mjs';
import { gatewayAck } from './src/scenarios/gateway-ack.mjs';
import { pipelineOverhead } from './src/scenarios/pipeline-overhead.mjs';
import { priorityLanes } from './src/scenarios/priority-lanes.mjs';
import { queueNotices } from './src/scenarios/queue-notices.mjs';
import { providerFailover } from './src/scenarios/provider-failover.mjs';
import { rateLimit } from './src/scenarios/rate-limit.mjs';
import { redisCapacity } from './src/scenarios/redis-capacity.mjs';
import { scheduledPrompts } from './src/scenarios/scheduled-prompts.mjs';
import { sensitiveWords } from './src/scenarios/sensitive-words.mjs';
import { cardStream } from './src/scenarios/card-stream.mjs';
import { difyCards } from './src/scenarios/dify-cards.mjs';
import { cardStop } from './src/scenarios/card-stop.mjs';
import { streamAck } from './src/scenarios/stream-ack.mjs';
import { tokenCount } from './src/scenarios/token-count.mjs';
import { toolCrash } from './src/scenarios/tool-crash.mjs';
import { toolRound } from './src/scenarios/tool-round.mjs';
import { usageAccounting } from './src/scenarios/usage-accounting.mjs';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const SCENARIOS = { ack: gatewayAck, pipeline: pipelineOverhead, rateLimit, drain: drainRate, crash: crashTakeover, tokens: tokenCount, stream: streamAck, sensitiveWords, failover: providerFailover, usage: usageAccounting, redis: redisCapacity, cards: cardStream, lanes: priorityLanes, notices: queueNotices, dify: difyCards, tools: toolRound, toolCrash, schedules: scheduledPrompts, files: fileExtraction, stop: cardStop };
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((name) => name.trim())) : undefined;
for (const name of only ?? []) if (!(name in SCENARIOS)) throw new Error(`BENCH_ONLY: unknown scenario ${name}`);

async function main() {
  const startedAt = new Date();
  const found = await findOrStartRedis({ url: process.env.REDIS_URL, startOn: 'free-port' });
  if (found.server) progress(`no Redis at REDIS_URL or 127.0.0.1:6379: started redis-server at ${found.url}`);
  const redis = new Redis(found.url, { maxRetriesPerRequest: null });
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'dtbot-bench-'));
  const prefixes = new Set();
  const ctx = {
    redisUrl: found.url,
    redis,
    logDir,
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    cpuProfileDir: process.env.BENCH_CPU_PROF ? path.join(RESULTS_DIR, 'cpu-profiles') : undefined,
    newPrefix(label) {
      const prefix = createTestPrefix(`bench-${label}`);
      prefixes.add(prefix);
      return prefix;
    },
    async cleanupPrefix(prefix) {
      await cleanupPrefix(redis, prefix);
      prefixes.delete(prefix);
    },
  };
  if (ctx.cpuProfileDir) mkdirSync(ctx.cpuProfileDir, { recursive: true });

  // Ctrl-C or a TERM: stop the children and remove the keys before leaving.
  let cleanedUp = false;
  const cleanUp = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    killAllChildren();
    for (const prefix of prefixes) await cleanupPrefix(redis, prefix).catch(() => undefined);
    redis.disconnect();
    await found.server?.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      progress(`${signal}: cleaning up`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  const scenarios = {};
  const errors = {};
  let machine;
  try {
    machine = await describeMachine(redis);
    ctx.redisPid = await redisProcessId(redis);
    progress(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, redis ${machine.redis}; logs in ${logDir}`);
    for (const [name, run] of Object.entries(SCENARIOS)) {
      if (only && !only.has(name)) continue;
      progress(`--- ${name}`);
      try {
        scenarios[name] = await run(ctx);
      } catch (error) {
        errors[name] = error instanceof Error ? error.message : String(error);
        progress(`${name} FAILED: ${error instanceof Error ? error.stack : error}`);
      }
    }
  } finally {
    await cleanUp();
  }

  const finishedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt - startedAt) / 1000),
    machine,
    settings: { logLevel: ctx.logLevel, redis: redact(found.url), only: only ? [...only] : undefined },
    scenarios,
    errors,
  };
  report.summary = summaryRows(report);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatReport(report)}\n\nwritten to bench/results/latest.json\n`);

  const failed = Object.keys(errors).length > 0;
  if (failed || process.env.BENCH_KEEP_LOGS) process.stdout.write(`app logs kept in ${logDir}\n`);
  else rmSync(logDir, { recursive: true, force: true });
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : error}\n`);
    process.exit(1);
  },
);
