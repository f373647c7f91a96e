// A throwaway redis-server: loopback only, nothing kept on disk, its working folder removed when it stops.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * @typedef {object} RedisServer
 * @property {string} url `redis://host:port`
 * @property {number} port
 * @property {import('node:child_process').ChildProcess} process
 * @property {() => void} pause SIGSTOP: the server keeps its connections but answers nothing, like a Redis stuck in a long command.
 * @property {() => void} resume SIGCONT
 * @property {() => Promise<void>} stop SIGTERM, then waits for the exit and removes the working folder.
 */

/**
 * @typedef {object} StartRedisServerOptions
 * @property {number} [port] 0 (the default) = a free port chosen here.
 * @property {string} [host] listen address, 127.0.0.1 by default.
 * @property {boolean} [detached] own process group, so a terminal's Ctrl-C reaches only the caller, which stops it in its own order.
 * @property {number} [startTimeoutMs] how long to wait for "Ready to accept connections" (default 10 s).
 * @property {string[]} [args] more redis-server arguments (`--cluster-enabled`, `yes`, ...).
 * @property {() => Promise<number>} [choosePort] how a port is chosen when `port` is not given (`freePort` by default;
 *   a test passes its own).
 */

/**
 * How many ports are tried when the one chosen here was taken before redis-server could bind it: `freePort` lets its
 * port go at once, and until redis-server binds it any other process may get it, an outgoing connection's own port
 * among them (they come from the same range). Under a full test run that happens now and then.
 */
export const PORT_ATTEMPTS = 5;

/**
 * Whether redis-server refused to start because a port it was told to use (its own, or a cluster's bus port) was
 * taken.
 * @param {unknown} error
 */
function portWasTaken(error) {
  return error instanceof Error && error.message.includes('Address already in use');
}

/**
 * Runs `start`, which chooses its ports afresh each time, again while redis-server says a port was taken, up to
 * `PORT_ATTEMPTS` times in all.
 * @template T
 * @param {() => Promise<T>} start
 * @returns {Promise<T>}
 */
export async function onFreshPorts(start) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !portWasTaken(error)) throw error;
    }
  }
}

/** @returns {Promise<number>} */
export async function freePort(host = '127.0.0.1') {
  const server = net.createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * Starts redis-server and resolves once it accepts connections. It is killed when the calling process exits,
 * whatever the reason, so a failed test or a Ctrl-C never leaves one behind.
 * @param {StartRedisServerOptions} [options]
 * @returns {Promise<RedisServer>}
 */
export async function startRedisServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  if (options.port) return startOn(options, host, options.port);
  const choosePort = options.choosePort ?? (() => freePort(host));
  return onFreshPorts(async () => startOn(options, host, await choosePort()));
}

/**
 * @param {StartRedisServerOptions} options
 * @param {string} host
 * @param {number} port
 * @returns {Promise<RedisServer>}
 */
async function startOn(options, host, port) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dtbot-redis-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  // --logfile '' logs to stdout, where the ready line is awaited; no RDB or AOF, so nothing outlives the server.
  const args = ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', '', ...(options.args ?? [])];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  const killOnExit = () => {
    child.kill('SIGKILL');
    removeDir();
  };
  process.once('exit', killOnExit);
  child.once('exit', () => {
    process.removeListener('exit', killOnExit);
    removeDir();
  });

  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on ${host}:${port} within ${(options.startTimeoutMs ?? 10_000) / 1000} s:\n${output.trim()}`));
    }, options.startTimeoutMs ?? 10_000);
    /** @param {Buffer} chunk */
    const read = (chunk) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.removeListener('data', read);
        // Keep draining, or a full pipe would one day block the server's log writes.
        child.stdout?.resume();
        resolve(undefined);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (/** @type {Buffer} */ chunk) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      const missing = /** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT';
      reject(
        new Error(
          missing
            ? 'redis-server is not installed (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)'
            : `redis-server could not be started: ${error.message}`,
        ),
      );
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${signal ?? `code ${code}`}) before it was ready on ${host}:${port}:\n${output.trim()}`));
    });
  });

  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `redis://${urlHost}:${port}`,
    port,
    process: child,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
