import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@dtbot/shared';
import { loadProvidersFile } from './load-providers-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dtbot-providers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileWith = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** The problems a bad file stops the worker with, one per line. */
const problemsOf = (path: string): string[] => {
  try {
    loadProvidersFile(path);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

const deepseek = { name: 'deepseek', type: 'openai', baseUrl: 'https://api.deepseek.com/v1', apiKey: 'sk-deepseek-secret', model: 'deepseek-chat' };

describe('loadProvidersFile', () => {
  it('is empty without PROVIDERS_FILE', () => {
    expect(loadProvidersFile(undefined)).toEqual([]);
  });

  it('reads JSON and YAML lists in their order, Azure entries with the default api-version', () => {
    const json = fileWith('p.json', JSON.stringify({ providers: [deepseek] }));
    // An entry answers unless it says chat: false.
    expect(loadProvidersFile(json)).toEqual([{ ...deepseek, chat: true }]);
    const yaml = fileWith(
      'p.yaml',
      'providers:\n  - name: azure-east\n    type: azure\n    endpoint: https://east.openai.azure.com\n    apiKey: k\n    deployment: gpt4o\n    rpm: 300\n  - name: qwen\n    type: openai\n    baseUrl: https://dashscope.aliyuncs.com/compatible-mode/v1\n    apiKey: q\n',
    );
    expect(loadProvidersFile(yaml)).toEqual([
      { name: 'azure-east', type: 'azure', endpoint: 'https://east.openai.azure.com', apiKey: 'k', deployment: 'gpt4o', apiVersion: '2024-10-21', rpm: 300, chat: true },
      { name: 'qwen', type: 'openai', baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1', apiKey: 'q', chat: true },
    ]);
  });

  it('names the file and each bad place, and never echoes a key', () => {
    const bad = fileWith(
      'bad.yaml',
      [
        'providers:',
        '  - { name: deepseek, type: openai, baseUrl: not-a-url, apiKey: sk-deepseek-secret }',
        '  - { name: Upper Case, type: azure, endpoint: "https://x.openai.azure.com", apiKey: k, apiVersion: latest }',
        '  - { name: gemini, type: google, apiKey: k }',
        '  - { name: typo, type: openai, baseUrl: "https://d.example/v1", apiKey: k, modle: x }',
        '  - { name: keyless, type: openai, baseUrl: "https://e.example/v1" }',
      ].join('\n'),
    );
    const problems = problemsOf(bad);
    expect(problems.every((problem) => problem.startsWith(`PROVIDERS_FILE: ${bad}: providers.`))).toBe(true);
    expect(problems.join('\n')).not.toMatch(/sk-deepseek-secret|sk-two|sk-three/);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/providers\.0\.baseUrl: /),
        expect.stringMatching(/providers\.1\.name: lower-case letters/),
        expect.stringMatching(/providers\.1\.apiVersion: a date like 2024-10-21/),
        expect.stringMatching(/providers\.2\.type: /),
        expect.stringMatching(/providers\.3: .*modle/),
        expect.stringMatching(/providers\.4\.apiKey: /),
      ]),
    );
  });

  it('reads chat: false on an entry that draws, and refuses it on one that names no image model or deployment', () => {
    const drawers = fileWith(
      'drawers.yaml',
      [
        'providers:',
        '  - { name: pictures, type: openai, baseUrl: "https://p.example/v1", apiKey: k, imageModel: gpt-image-1, chat: false }',
        '  - { name: azure-pictures, type: azure, endpoint: "https://a.openai.azure.com", apiKey: k, imageDeployment: dall-e-3, chat: false }',
      ].join('\n'),
    );
    expect(loadProvidersFile(drawers).map((entry) => [entry.name, entry.chat])).toEqual([
      ['pictures', false],
      ['azure-pictures', false],
    ]);
    const idle = fileWith(
      'idle.yaml',
      [
        'providers:',
        '  - { name: nothing, type: openai, baseUrl: "https://n.example/v1", apiKey: k, model: gpt-4o, chat: false }',
        '  - { name: answers, type: openai, baseUrl: "https://y.example/v1", apiKey: k, chat: true }',
        '  - { name: azure-nothing, type: azure, endpoint: "https://a.openai.azure.com", apiKey: k, deployment: gpt4o, chat: false }',
      ].join('\n'),
    );
    expect(problemsOf(idle)).toEqual([
      `PROVIDERS_FILE: ${idle}: providers.0.chat: chat: false makes nothing draw pictures only, but it names no imageModel: it would serve nothing`,
      `PROVIDERS_FILE: ${idle}: providers.2.chat: chat: false makes azure-nothing draw pictures only, but it names no imageDeployment: it would serve nothing`,
    ]);
    const stringly = fileWith('stringly.yaml', 'providers:\n  - { name: s, type: openai, baseUrl: "https://s.example/v1", apiKey: k, imageModel: dall-e-3, chat: "no" }\n');
    expect(problemsOf(stringly)).toEqual([expect.stringMatching(/^PROVIDERS_FILE: .*providers\.0\.chat: .*expected boolean/)]);
  });

  it('reads a provider\'s own timeoutMs, and refuses one under a second', () => {
    const timed = fileWith('timed.yaml', 'providers:\n  - { name: slow, type: openai, baseUrl: "https://s.example/v1", apiKey: k, timeoutMs: 120000 }\n');
    expect(loadProvidersFile(timed)).toEqual([{ name: 'slow', type: 'openai', baseUrl: 'https://s.example/v1', apiKey: 'k', timeoutMs: 120_000, chat: true }]);
    const hasty = fileWith('hasty.yaml', 'providers:\n  - { name: hasty, type: azure, endpoint: "https://h.openai.azure.com", apiKey: k, timeoutMs: 500 }\n');
    expect(problemsOf(hasty)).toEqual([expect.stringMatching(/^PROVIDERS_FILE: .*providers\.0\.timeoutMs: /)]);
  });

  it('refuses a name listed twice, and the names of the environment\'s providers', () => {
    const names = fileWith(
      'names.yaml',
      [
        'providers:',
        '  - { name: deepseek, type: openai, baseUrl: "https://a.example/v1", apiKey: sk-one }',
        '  - { name: deepseek, type: openai, baseUrl: "https://b.example/v1", apiKey: sk-two }',
        '  - { name: fallback, type: openai, baseUrl: "https://c.example/v1", apiKey: sk-three }',
      ].join('\n'),
    );
    expect(problemsOf(names)).toEqual([
      `PROVIDERS_FILE: ${names}: providers.1.name: deepseek is listed twice`,
      `PROVIDERS_FILE: ${names}: providers.2.name: fallback is the name of a provider of the environment`,
    ]);
  });

  it('refuses a file it cannot read or parse, and one with no provider', () => {
    expect(problemsOf(join(dir, 'missing.yaml'))).toEqual([`PROVIDERS_FILE: ${join(dir, 'missing.yaml')}: cannot be read (ENOENT)`]);
    expect(problemsOf(fileWith('broken.yaml', 'providers: [\n'))[0]).toMatch(/is not valid JSON or YAML/);
    expect(problemsOf(fileWith('empty.yaml', 'providers: []\n'))).toEqual([`PROVIDERS_FILE: ${join(dir, 'empty.yaml')}: providers: lists no provider`]);
  });
});
