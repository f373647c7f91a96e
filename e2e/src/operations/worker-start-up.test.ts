import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { agreedSettingsOf, agreeOnSettings, queueShards, redisKeys } from '@dtbot/shared';
import { cleanupPrefix, createTestPrefix, redisUrlForTests } from '@dtbot/testkit';

// The built worker as operators start it: a bad setting stops it at once, naming the problem.
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

  it('stops on a providers file with a mistake, naming the place and never the key', () => {
    const file = join(dir, 'providers.yaml');
    writeFileSync(file, 'providers:\n  - name: deepseek\n    type: openai\n    baseUrl: api.deepseek.com\n    apiKey: sk-must-not-be-echoed\n');
    const run = startWorker({ PROVIDERS_FILE: file });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`PROVIDERS_FILE: ${file}: providers.0.baseUrl:`);
    expect(run.stderr).not.toContain('sk-must-not-be-echoed');
  });

  it('stops on a schedules file with a mistake, naming the variable, the file and the entry', () => {
    const file = join(dir, 'schedules.yaml');
    writeFileSync(file, 'schedules:\n  - cron: "*/10 * * * * *"\n    chat: { conversationId: cid1, group: true }\n    sender: boss\n    prompt: 早报\n');
    const run = startWorker({ SCHEDULES_FILE: file, DINGTALK_APP_KEY: 'dingstartup', DINGTALK_APP_SECRET: 'start-up-secret' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`SCHEDULES_FILE: ${file}: schedules.0: cron: a cron pattern has 5 fields (minute hour day month weekday), this has 6`);
    const missing = startWorker({ SCHEDULES_FILE: join(dir, 'no-such-schedules.yaml') });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`SCHEDULES_FILE: ${join(dir, 'no-such-schedules.yaml')}: cannot be read (ENOENT)`);
  });

  it('stops on a fallback provider without its key', () => {
    const run = startWorker({ OPENAI_FALLBACK_BASE_URL: 'https://api.deepseek.com/v1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('OPENAI_FALLBACK_API_KEY: is required with OPENAI_FALLBACK_BASE_URL');
  });

  it('stops when a daily budget is set over a model no price table knows, naming the entry to add', () => {
    const run = startWorker({ OPENAI_MODEL: 'local-llama', BUDGET_DAILY_USD: '5' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'BUDGET_DAILY_USD: the model local-llama has no price, so the budget would not count its calls; add it to MODEL_PRICES (local-llama=inputPerMillion/outputPerMillion)',
    );
  });

  it('stops on a quota time zone Intl does not know', () => {
    const run = startWorker({ QUOTA_TIMEZONE: 'Beijing' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('QUOTA_TIMEZONE: must be an IANA time zone');
  });

  it('stops with QUEUE_SHARDS=2 while the running gateways and workers recorded 1, naming both values', async () => {
    const prefix = createTestPrefix('start-up-shards');
    const redis = new Redis(redisUrlForTests());
    try {
      await agreeOnSettings(redis, redisKeys(prefix).agreedSettings(), agreedSettingsOf({ QUEUE_SHARDS: 1, QUEUE_NOTICE_AFTER_MS: 5000 }));
      const run = startWorker({ REDIS_URL: redisUrlForTests(), REDIS_PREFIX: prefix, QUEUE_SHARDS: '2', QUEUE_NOTICE_AFTER_MS: '5000' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('worker: QUEUE_SHARDS is 2 here but 1 on the gateways and workers already running');
    } finally {
      // The worker gets as far as its second shard's queue before it stops: that shard's keys have a hash tag of
      // their own, which the prefix's pattern does not match.
      await cleanupPrefix(redis, prefix);
      for (const shard of queueShards(prefix, 2)) await cleanupPrefix(redis, shard.prefix);
      redis.disconnect();
    }
  });
});
