import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { sleep } from './progress.mjs';

/** Every child still running; killed with the bench, even when it crashes, so nothing is left behind. */
const running = new Set();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function killAllChildren() {
  for (const child of running) child.kill('SIGKILL');
}

async function answersHealth(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `node <script>` from `cwd` with its HTTP port (`port`, chosen by the bench and passed in
 * `env`), and resolves once `GET /healthz` answers 200 there, as a load balancer would see it.
 * Readiness does not depend on a log line reaching us: the apps may buffer their logs.
 * Output goes to a file, not to a pipe the busy bench process would have to drain.
 */
export async function spawnNode({ name, script, cwd, env, port, logFile, timeoutMs = 30_000, nodeArgs = [] }) {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  running.add(child);
  let exitedEarly;
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      exitedEarly = { code, signal };
      resolve(exitedEarly);
    }),
  );

  const deadline = Date.now() + timeoutMs;
  while (!(await answersHealth(port))) {
    if (exitedEarly) throw new Error(`${name} exited (${JSON.stringify(exitedEarly)}) before it was ready; see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer /healthz on port ${port} within ${timeoutMs} ms; see ${logFile}`);
    }
    await sleep(20);
  }

  return {
    name,
    pid: child.pid,
    port,
    logFile,
    /** When /healthz first answered (ms since epoch). */
    readyAt: Date.now(),
    exited,
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    /** SIGTERM (the apps drain), then SIGKILL if it takes longer than `graceMs`. */
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
