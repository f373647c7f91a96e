#!/usr/bin/env node
// `npm test` (or `pnpm test`): the one command that runs every test on a fresh clone.
// Installs pnpm and the dependencies when missing, makes sure a Redis answers (REDIS_URL, started on its port when
// it is local and nothing listens there; else 127.0.0.1:6379; else a throwaway redis-server on a free port, killed
// when the run ends), builds and typechecks every package, then runs vitest.
// Extra arguments go to vitest (`npm test -- e2e/src/ingress`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWorkspace } from './lib/ensure-workspace.mjs';
import { findOrStartRedis, redact } from '../tooling/redis-server/src/index.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stderr.write(`test: ${line}\n`);
const cleanups = [];
process.on('exit', () => cleanups.forEach((cleanup) => cleanup()));

async function ensureRedis() {
  try {
    const found = await findOrStartRedis({ url: process.env.REDIS_URL?.trim() || undefined, startOn: 'free-port' });
    process.env.REDIS_URL = found.url;
    return found.how === 'started' ? `redis-server started for this run at ${found.url}` : `Redis at ${redact(found.url)}`;
  } catch (error) {
    say(error.message);
    process.exit(1);
  }
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
