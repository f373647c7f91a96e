import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FakeOpenAI } from '@dtbot/testkit';

/** A `PROVIDERS_FILE` entry as an operator writes it; the worker's loader checks it. */
export type ProviderEntryText = Record<string, unknown>;

/** Writes a `PROVIDERS_FILE` listing `entries` in a directory of its own, which `remove` deletes. */
export function writeProvidersFile(entries: readonly ProviderEntryText[]): { file: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dtbot-providers-'));
  const file = path.join(dir, 'providers.json');
  writeFileSync(file, JSON.stringify({ providers: entries }));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An entry that only draws (`chat: false`), on a fake OpenAI: how an operator turns `/image` on. The harness'
 * own fake serves both the answers of the environment's provider and these pictures, as one endpoint would.
 */
export function picturesOnly(openai: FakeOpenAI, imageModel: string, extra: ProviderEntryText = {}): ProviderEntryText {
  return { name: 'pictures', type: 'openai', baseUrl: openai.baseURL, apiKey: 'sk-pictures', imageModel, chat: false, ...extra };
}
