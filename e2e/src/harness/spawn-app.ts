import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Children still running when the test process exits (a failed hook, a crash) are killed with it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

export interface RunningApp {
  name: string;
  process: ChildProcess;
  /** The HTTP port the app reported it listens on (gateway: PORT, worker: METRICS_PORT). */
  port: number;
  /** Where its /metrics is served: the gateway's METRICS_PORT, the worker's own port. */
  metricsPort: number;
  /** Every JSON log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a built app exactly as operators do (`node apps/<name>/dist/main.js` from the repository
 * root) and resolves once it logged the port it listens on.
 */
export function spawnApp(name: 'gateway' | 'worker', env: Record<string, string>, readyMessage: RegExp): Promise<RunningApp> {
  const child = spawn(process.execPath, [`apps/${name}/dist/main.js`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise<RunningApp>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within 15 s: ${stderr}`));
    }, 15_000);
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        if (typeof entry.msg === 'string' && readyMessage.test(entry.msg) && typeof entry.port === 'number') {
          clearTimeout(timer);
          resolve({
            name,
            process: child,
            port: entry.port,
            metricsPort: typeof entry.metricsPort === 'number' ? entry.metricsPort : entry.port,
            logs,
            exited,
            async stop(signal: NodeJS.Signals = 'SIGTERM') {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready: ${stderr}`));
    });
  });
}
