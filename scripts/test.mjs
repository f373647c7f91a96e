#!/usr/bin/env node
// `npm test` (or `pnpm test`): the one command that runs every test on a fresh clone.
// Installs pnpm and the dependencies when missing, makes sure a Redis answers (REDIS_URL, else 127.0.0.1:6379,
// else a throwaway redis-server on a free port), builds and typechecks every package, then runs vitest.
// Extra arguments go to vitest (`npm test -- e2e/src/ingress`).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWorkspace } from './lib/ensure-workspace.mjs';
import { onPath, probeRedis } from './lib/probe-redis.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stderr.write(`test: ${line}\n`);
const cleanups = [];
process.on('exit', () => cleanups.forEach((cleanup) => cleanup()));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function ensureRedis() {
  if ((process.env.REDIS_URL ?? '').trim() !== '') return `REDIS_URL ${process.env.REDIS_URL.replace(/:[^:@/]+@/, ':***@')}`;
  if ((await probeRedis(6379)) === 'pong') return 'Redis at 127.0.0.1:6379';
  if (!onPath('redis-server')) {
    say('no Redis answers at 127.0.0.1:6379 and redis-server is not installed.');
    say('Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.');
    process.exit(1);
  }
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dtbot-test-redis-'));
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  cleanups.push(() => {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  for (let tries = 0; tries < 50; tries += 1) {
    if ((await probeRedis(port)) === 'pong') {
      process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
      return `redis-server started for this run on port ${port}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  say(`redis-server did not answer on port ${port}`);
  process.exit(1);
}

function step(args) {
  const result = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
  if (result.error) say(`pnpm ${args.join(' ')}: ${result.error.message}`);
  return result.status ?? 1;
}

/** One plain closing line, so any CI reading the log sees the counts: `tests: N passed, N failed`. */
function printTotals(resultsFile) {
  try {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  } catch {
    say('no test results were written');
  }
}

ensureWorkspace(root, say);
say(`using ${await ensureRedis()}`);
const built = step(['exec', 'turbo', 'run', 'build', 'typecheck', '--output-logs=errors-only']);
if (built !== 0) process.exit(built);
const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'dtbot-test-results-'));
cleanups.push(() => rmSync(resultsDir, { recursive: true, force: true }));
const resultsFile = path.join(resultsDir, 'results.json');
const code = step(['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...process.argv.slice(2)]);
printTotals(resultsFile);
process.exit(code);
