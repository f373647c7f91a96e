#!/usr/bin/env node
// `npm start` (or `pnpm start`): the one command that runs the whole system locally.
// Loads .env, installs pnpm and the dependencies when missing, builds, finds (or starts) a Redis, then runs the gateway and WORKERS worker processes until
// a signal arrives or one of them exits. Node built-ins only until the build; then the built @dtbot/shared gives the
// defaults of the settings read here, from the config schema.
//
// Environment read here (the apps read the rest themselves):
//   WORKERS            worker processes to run (default 1); several get METRICS_PORT, METRICS_PORT+1, ... (the gateway
//                      METRICS_PORT-1)
//   START_SKIP_BUILD   1 = do not run `pnpm build` when both dist/main.js files exist
//   START_REDIS_PORT   local port probed (and used for a Redis started here) when REDIS_URL is unset (default 6379)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { ensureWorkspace } from './lib/ensure-workspace.mjs';
import { findOrStartRedis, redact } from '../tooling/redis-server/src/index.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GATEWAY_MAIN = 'apps/gateway/dist/main.js';
const WORKER_MAIN = 'apps/worker/dist/main.js';
/** The built @dtbot/shared, for the settings' defaults: read from the config schema, so they are written once. */
const SHARED_MAIN = 'packages/shared/dist/index.js';
/** After the apps were asked to stop, how long before they are killed (worker's own default budget is 30 s). */
const FORCE_KILL_AFTER_MS = 45_000;

const say = (line) => process.stderr.write(`start: ${line}\n`);
const isSet = (name) => (process.env[name] ?? '').trim() !== '';

/**
 * Node's own .env reader (quotes, `export `, comments); it never overrides a variable already set. Returns how many
 * settings came from the file.
 */
function loadDotEnv(file) {
  if (!existsSync(file)) return 0;
  const fromFile = Object.keys(parseEnv(readFileSync(file, 'utf8'))).filter((name) => process.env[name] === undefined);
  process.loadEnvFile(file);
  return fromFile.length;
}

/** `pnpm build`; through the pnpm that runs `pnpm start` when there is one, else `pnpm` on PATH. */
function build() {
  const execPath = process.env.npm_execpath ?? '';
  const viaRunningPnpm = /pnpm(\.c?js)?$/.test(execPath) && /\.c?js$/.test(execPath);
  const [command, args] = viaRunningPnpm
    ? [process.execPath, [execPath, 'build', '--output-logs=errors-only']]
    : ['pnpm', ['build', '--output-logs=errors-only']];
  const result = spawnSync(command, args, {
    cwd: root,
    env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: process.platform === 'win32' && command === 'pnpm',
  });
  if (result.error) {
    say(`cannot run pnpm build (${result.error.message}); install pnpm: npm install -g pnpm@10`);
    process.exit(1);
  }
  if (result.status !== 0) {
    say(`pnpm build failed (exit code ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Children and shutdown. Every child runs in its own process group (detached), so a Ctrl-C in the terminal
// reaches only this script, which then stops the apps first and the Redis it started last (the apps need Redis
// to finish their jobs gracefully).

/** @type {{ name: string, kind: 'app' | 'redis', proc: import('node:child_process').ChildProcess, exited: boolean, code: number | null }[]} */
const children = [];
let stopping = false;
let finalCode = 0;
let forceTimer;

function exitCodeOf(code, signal) {
  if (code !== null) return code;
  return 128 + (os.constants.signals[signal] ?? 1);
}

function spawnChild(name, kind, command, args, options = {}) {
  return adoptChild(name, kind, spawn(command, args, { cwd: root, detached: true, ...options }));
}

function adoptChild(name, kind, proc) {
  const child = { name, kind, proc, exited: false, code: null };
  children.push(child);
  proc.on('error', (error) => {
    say(`${name} could not be started: ${error.message}`);
    onChildExit(child, 1);
  });
  proc.on('exit', (code, signal) => onChildExit(child, exitCodeOf(code, signal), signal));
  return child;
}

function onChildExit(child, code, signal) {
  if (child.exited) return;
  child.exited = true;
  child.code = code;
  if (!stopping) {
    say(`${child.name} exited (${signal ? `signal ${signal}` : `code ${code}`}); stopping the rest`);
    // An app's own exit code is passed on (a bad config's, say); a Redis that went away is always a failure.
    stopAll(child.kind === 'redis' ? code || 1 : code);
    return;
  }
  // Asked to stop: SIGTERM'd children may end by that very signal, which is what we asked for.
  if (child.kind === 'app' && code !== 0 && signal !== 'SIGTERM' && finalCode === 0) finalCode = code;
  finishWhenAppsGone();
}

function signalChild(child, signal) {
  if (child.exited) return;
  try {
    child.proc.kill(signal);
  } catch {
    // already gone
  }
}

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  finalCode = code;
  for (const child of children) if (child.kind === 'app') signalChild(child, 'SIGTERM');
  forceTimer = setTimeout(() => {
    say(`apps still running ${FORCE_KILL_AFTER_MS / 1000} s after SIGTERM; killing them`);
    for (const child of children) signalChild(child, 'SIGKILL');
  }, FORCE_KILL_AFTER_MS);
  forceTimer.unref();
  finishWhenAppsGone();
}

let finishing = false;
function finishWhenAppsGone() {
  if (finishing || children.some((child) => child.kind === 'app' && !child.exited)) return;
  finishing = true;
  const redis = children.filter((child) => child.kind === 'redis' && !child.exited);
  if (redis.length === 0) process.exit(finalCode);
  for (const child of redis) {
    signalChild(child, 'SIGTERM');
    child.proc.once('exit', () => {
      if (children.every((c) => c.exited)) process.exit(finalCode);
    });
  }
  setTimeout(() => {
    for (const child of redis) signalChild(child, 'SIGKILL');
    process.exit(finalCode);
  }, 5000).unref();
}

let signalsSeen = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    signalsSeen += 1;
    if (signalsSeen === 1) {
      say(`${signal}: stopping (again to kill at once)`);
      stopAll(0);
    } else {
      say(`${signal} again: killing everything`);
      for (const child of children) signalChild(child, 'SIGKILL');
      process.exit(finalCode || 130);
    }
  });
}
// Whatever happens to this script, it leaves no child of its own behind.
process.on('exit', () => {
  for (const child of children) signalChild(child, 'SIGKILL');
});

// ---------------------------------------------------------------------------------------------------------------

async function useOrStartRedis() {
  if (isSet('REDIS_CLUSTER_NODES')) return `Redis Cluster ${process.env.REDIS_CLUSTER_NODES}`;
  // A configured Redis is the apps' business: they say clearly when it does not answer.
  if (isSet('REDIS_URL')) return `Redis ${redact(process.env.REDIS_URL)} (REDIS_URL)`;

  const port = Number(process.env.START_REDIS_PORT || 6379);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    say(`START_REDIS_PORT must be a port number, got "${process.env.START_REDIS_PORT}"`);
    process.exit(1);
  }
  let found;
  try {
    found = await findOrStartRedis({ localPort: port, startOn: 'local-port', detached: true });
  } catch (error) {
    say(`${error.message}\n  Or set REDIS_URL in .env to a Redis you have (docker run -p 6379:6379 redis:7-alpine runs one).`);
    process.exit(1);
  }
  process.env.REDIS_URL = found.url;
  if (!found.server) return `Redis ${found.url} (already running)`;
  adoptChild('redis-server', 'redis', found.server.process);
  if (stopping) return ''; // a signal arrived meanwhile: the shutdown in progress takes care of Redis
  return `Redis ${found.url} (redis-server started here, pid ${found.server.process.pid}, nothing kept on disk)`;
}

function workerCount() {
  const raw = process.env.WORKERS ?? '1';
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    say(`WORKERS must be a whole number from 1 to 64, got "${raw}"`);
    process.exit(1);
  }
  return count;
}

async function main() {
  const envFile = path.join(root, '.env');
  const loaded = loadDotEnv(envFile);
  const workers = workerCount();
  ensureWorkspace(root, say);

  const distMissing = [GATEWAY_MAIN, WORKER_MAIN, SHARED_MAIN].some((file) => !existsSync(path.join(root, file)));
  if (distMissing || process.env.START_SKIP_BUILD !== '1') build();
  for (const file of [GATEWAY_MAIN, WORKER_MAIN, SHARED_MAIN]) {
    if (!existsSync(path.join(root, file))) {
      say(`${file} is missing after the build`);
      process.exit(1);
    }
  }

  const { startSettings, NODE_FLAGS } = await import(pathToFileURL(path.join(root, SHARED_MAIN)).href);
  const settings = startSettings(process.env);

  const redisUsed = await useOrStartRedis();
  if (stopping) return; // a signal arrived while Redis was starting

  const port = settings.PORT;
  const metricsBase = Number(settings.METRICS_PORT);
  const metricsPorts = [];
  // METRICS_PORT is each process's own; the one environment's value is the workers' (startSettings).
  spawnChild('gateway', 'app', process.execPath, [...NODE_FLAGS.gateway, GATEWAY_MAIN], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, METRICS_PORT: settings.gatewayMetricsPort },
  });
  for (let index = 0; index < workers; index += 1) {
    const env = { ...process.env };
    // One worker keeps METRICS_PORT as configured; several get base, base+1, ... (0 = any free port, for each).
    if (workers > 1 && metricsBase !== 0) env.METRICS_PORT = String(metricsBase + index);
    metricsPorts.push(env.METRICS_PORT || String(metricsBase));
    spawnChild(workers > 1 ? `worker ${index + 1}` : 'worker', 'app', process.execPath, [...NODE_FLAGS.worker, WORKER_MAIN], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
    });
  }

  say(
    `gateway http://localhost:${port} (${ingressSummary(settings.DINGTALK_MODE)}, the playground at /playground when on; ` +
      `metrics on port ${settings.gatewayMetricsPort}); ` +
      `${workers} worker${workers > 1 ? 's' : ''} (metrics on port${workers > 1 ? 's' : ''} ${metricsPorts.join(', ')}); ` +
      `${redisUsed}${loaded > 0 ? `; ${loaded} setting${loaded > 1 ? 's' : ''} from .env` : ''}. Ctrl-C stops all.`,
  );
}

/** Where DingTalk's messages come in, for the gateway's DINGTALK_MODE (or chatgpt-dingtalk's RUN_MODE). */
function ingressSummary(mode) {
  if (mode === 'stream') return 'messages over DingTalk Stream connections, no public address needed';
  if (mode === 'both') return 'callbacks at /dingtalk/callback and over DingTalk Stream connections';
  return 'callbacks at /dingtalk/callback';
}

main().catch((error) => {
  say(`failed: ${error?.stack ?? error}`);
  stopAll(1);
});
