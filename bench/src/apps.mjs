import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '@dtbot/redis-server';
import { spawnNode } from './processes.mjs';

/**
 * The repository root: the apps are started from there, exactly as operators do. BENCH_APPS_ROOT runs another
 * checkout's built apps under this bench (figures of an older commit measured the same way).
 */
export const ROOT = process.env.BENCH_APPS_ROOT ?? fileURLToPath(new URL('../../', import.meta.url));
const NAIVE_GATEWAY = fileURLToPath(new URL('./naive-gateway.mjs', import.meta.url));
/** The node flags the apps of ROOT ship with (`NODE_FLAGS`; none in a checkout from before it existed). */
const { NODE_FLAGS = { gateway: [], worker: [] } } = await import(pathToFileURL(path.join(ROOT, 'packages/shared/dist/index.js')).href);

let started = 0;
const logFileFor = (logDir, name) => path.join(logDir, `${String((started += 1)).padStart(2, '0')}-${name}.log`);

// BENCH_DASHBOARD=1: our gateway also serves the queue dashboard on its callback port, which must cost callbacks nothing.
const dashboardEnv = process.env.BENCH_DASHBOARD === '1' ? { DASHBOARD_USERNAME: 'bench', DASHBOARD_PASSWORD: 'bench-dashboard-password' } : {};

/** `node <NODE_FLAGS.gateway> apps/gateway/dist/main.js`, as operators start it; resolves once its /healthz answers. Its /metrics is on `metricsPort`. */
export async function startGateway(logDir, env, nodeArgs = []) {
  const port = await freePort();
  const metricsPort = await freePort();
  const app = await spawnNode({
    name: 'gateway',
    script: 'apps/gateway/dist/main.js',
    cwd: ROOT,
    env: { ...env, ...dashboardEnv, PORT: String(port), METRICS_PORT: String(metricsPort) },
    port,
    logFile: logFileFor(logDir, 'gateway'),
    nodeArgs: [...NODE_FLAGS.gateway, ...nodeArgs],
  });
  return Object.assign(app, { metricsPort });
}

/** `node apps/worker/dist/main.js`; resolves once its health port answers (it is fetching jobs by then). */
export async function startWorker(logDir, env, nodeArgs = []) {
  const port = await freePort();
  return spawnNode({
    name: 'worker',
    script: 'apps/worker/dist/main.js',
    cwd: ROOT,
    env: { ...env, METRICS_PORT: String(port) },
    port,
    logFile: logFileFor(logDir, 'worker'),
    nodeArgs: [...NODE_FLAGS.worker, ...nodeArgs],
  });
}

/** The baseline of the ack benchmark (see naive-gateway.mjs). */
export async function startNaiveGateway(logDir, env, nodeArgs = []) {
  const port = await freePort();
  return spawnNode({
    name: 'naive-gateway',
    script: NAIVE_GATEWAY,
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    port,
    logFile: logFileFor(logDir, 'naive-gateway'),
    nodeArgs,
  });
}
