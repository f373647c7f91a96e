// Makes a fresh clone runnable with only Node and npm: installs pnpm (the version package.json pins) when it is
// missing, and the workspace's dependencies when node_modules is missing or older than the lockfile.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { onPath } from './on-path.mjs';

function run(command, args, cwd, say) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
  if (result.error || result.status !== 0) {
    say(`${command} ${args.join(' ')} failed${result.error ? `: ${result.error.message}` : ` (exit code ${result.status})`}`);
    process.exit(result.status || 1);
  }
}

export function ensureWorkspace(root, say) {
  if (!onPath('pnpm')) {
    // corepack cannot download pnpm on machines without general internet access; npm's registry can.
    const pinned = /^pnpm@([\d.]+)/.exec(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).packageManager ?? '')?.[1] ?? '10';
    say(`pnpm is missing: npm install -g pnpm@${pinned}`);
    run('npm', ['install', '-g', `pnpm@${pinned}`, '--no-fund', '--no-audit', '--loglevel=error'], root, say);
  }
  const marker = path.join(root, 'node_modules', '.modules.yaml');
  const lockfile = path.join(root, 'pnpm-lock.yaml');
  if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lockfile).mtimeMs) {
    say('installing dependencies: pnpm install --frozen-lockfile');
    run('pnpm', ['install', '--frozen-lockfile'], root, say);
  }
}
