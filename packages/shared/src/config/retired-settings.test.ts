import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadGatewayConfig, loadWorkerConfig } from './load-config.js';
import { logRetiredSettings } from './load-config-or-exit.js';
import { retiredSettingNames, retiredSettingsIn } from './retired-settings.js';
import { gatewaySchema, workerSchema } from './schema.js';

describe('retired settings', () => {
  it('none of them is a setting again', () => {
    const settings = new Set([...Object.keys(gatewaySchema.shape), ...Object.keys(workerSchema.shape)]);
    expect(retiredSettingNames().filter((name) => settings.has(name))).toEqual([]);
  });

  it('each names a constant that its file defines, so the start-up warning points where the value now lives', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
    const all = Object.fromEntries(retiredSettingNames().map((name) => [name, '1']));
    for (const { name, fixedAt } of retiredSettingsIn(all)) {
      const [, constant, file] = /\((\w+)(?:\.\w+)?, ([\w./-]+)\)$/.exec(fixedAt) ?? [];
      expect(file, `${name}: ${fixedAt}`).toBeDefined();
      expect(readFileSync(path.join(root, file!), 'utf8'), `${name}: ${file}`).toMatch(new RegExp(`\\b${constant}\\b`));
    }
  });

  it('JOB_ATTEMPTS=3 on a gateway is reported as fixed at 5 and changes nothing else of the load', () => {
    const loaded = loadGatewayConfig({ DINGTALK_APP_SECRET: 's', JOB_ATTEMPTS: '3' });
    expect(loaded.retiredSet).toEqual([{ name: 'JOB_ATTEMPTS', fixedAt: expect.stringMatching(/^5 \(MESSAGE_JOB_ATTEMPTS/) }]);
    expect(loaded.config).toEqual(loadGatewayConfig({ DINGTALK_APP_SECRET: 's' }).config);
  });

  it('OPENAI_IMAGE_MODEL on a worker is reported at start as moved to a PROVIDERS_FILE entry, and changes nothing else of the load', () => {
    const loaded = loadWorkerConfig({ OPENAI_API_KEY: 'k', OPENAI_IMAGE_MODEL: 'dall-e-3' });
    expect(loaded.retiredSet).toEqual([
      { name: 'OPENAI_IMAGE_MODEL', fixedAt: expect.stringContaining("a PROVIDERS_FILE entry's imageModel (type openai) or imageDeployment (type azure)") },
    ]);
    expect(loaded.config).toEqual(loadWorkerConfig({ OPENAI_API_KEY: 'k' }).config);
    const lines: string[] = [];
    logRetiredSettings(pino({}, { write: (line: string) => void lines.push(line) }), loaded.retiredSet);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, setting: 'OPENAI_IMAGE_MODEL', msg: expect.stringMatching(/^OPENAI_IMAGE_MODEL is no longer read: .*PROVIDERS_FILE .*chat: false/) }),
    ]);
    expect(lines.join('')).not.toContain('dall-e-3');
  });

  it('PROVIDER_COOLDOWN_MS set empty is unset, as every empty variable: nothing is reported', () => {
    expect(loadWorkerConfig({ OPENAI_API_KEY: 'k', PROVIDER_COOLDOWN_MS: '' }).retiredSet).toEqual([]);
  });

  it('reports exactly the retired names set, whatever their values, and never a value', () => {
    const names = retiredSettingNames();
    fc.assert(
      fc.property(fc.subarray(names), fc.string({ maxLength: 200 }), (chosen, text) => {
        const value = `operator-value:${text}`;
        const env = Object.fromEntries(chosen.map((name) => [name, value]));
        const reported = retiredSettingsIn(env);
        expect(reported.map(({ name }) => name).sort()).toEqual([...chosen].sort());
        for (const { fixedAt } of reported) expect(fixedAt).not.toContain('operator-value:');
      }),
      { numRuns: 200 },
    );
  });
});
