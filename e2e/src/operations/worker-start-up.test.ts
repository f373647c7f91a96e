import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built worker as operators start it: a bad chat setting stops it at once, naming the problem.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dtbot-start-up-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startWorker(env: Record<string, string>) {
  return spawnSync(process.execPath, ['apps/worker/dist/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', OPENAI_API_KEY: 'sk-start-up', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
}

describe('worker start-up', () => {
  it('stops on a personas file with a mistake, naming the variable, the file and the problem', () => {
    const file = join(dir, 'personas.yaml');
    writeFileSync(file, 'personas:\n  - name: two words\n    description: d\n    prompt: p\n');
    const run = startWorker({ PERSONAS_FILE: file });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`PERSONAS_FILE: ${file}: personas.0.name: must be one word`);
  });

  it('stops on a quota time zone Intl does not know', () => {
    const run = startWorker({ QUOTA_TIMEZONE: 'Beijing' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('QUOTA_TIMEZONE: must be an IANA time zone');
  });
});
