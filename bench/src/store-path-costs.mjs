import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from './apps.mjs';
import { progress } from './progress.mjs';
import { round } from './stats.mjs';

const PROBE = fileURLToPath(new URL('./store-path-probe.mjs', import.meta.url));
/** Callbacks per part and pass; a warm-up pass, then `PASSES` passes, of which each part's least CPU counts. */
const CALLBACKS = Number(process.env.BENCH_STORE_PATH_CALLBACKS ?? 5000);
const PASSES = 3;

/** The parts in the order a callback meets them, with what the report calls them. */
export const STORE_PATH_PARTS = [
  ['signature', 'signature check (HMAC of the timestamp)'],
  ['bodyRead', 'body read (raw-body, from an in-memory stream)'],
  ['jsonParse', 'JSON.parse'],
  ['validation', 'validation (zod callback schema)'],
  ['webhookChecks', 'webhook origin and expiry, robot code'],
  ['keysAndLane', 'keys, shard, prompt, lane, notice time'],
  ['store', 'job data and the store script (number, add, dedupe mark, notice)'],
  ['metrics', 'metrics (counter and ack histogram)'],
];

/**
 * What each part of our gateway's store path costs per callback: CPU and wall time of each part run on its own
 * over the same callbacks, in a fresh process, against this Redis; the pass with the least CPU of each part counts,
 * so that a busy moment of the machine does not. It times this checkout's built gateway, also when
 * `BENCH_APPS_ROOT` runs another checkout's apps in the rounds (whose gateway may not have these parts). The accept path as a whole (parse to add)
 * and the naive gateway's add are measured beside them, to check the sum and to compare.
 */
export async function measureStorePath(ctx) {
  const prefix = ctx.newPrefix('ack-parts');
  try {
    progress(`ack: timing the store path's parts, ${CALLBACKS} callbacks each, best of ${PASSES} passes`);
    const { stdout } = await promisify(execFile)(process.execPath, [PROBE, String(CALLBACKS), '64', String(PASSES)], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: ctx.redisUrl, REDIS_PREFIX: prefix },
    });
    const probe = JSON.parse(stdout);
    const parts = Object.fromEntries(Object.entries(probe.parts).map(([name, { cpuUs, wallUs }]) => [name, { cpuUs: round(cpuUs, 2), wallUs: round(wallUs, 2) }]));
    return { callbacks: probe.count, passes: probe.passes, inFlight: probe.inFlight, parts };
  } finally {
    await ctx.cleanupPrefix(prefix);
  }
}
