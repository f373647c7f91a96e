import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@dtbot/shared';
import { loadPersonaCatalog } from './load-persona-catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'dtbot-personas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileWith = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** The problems a bad file stops the worker with, one per line. */
const problemsOf = (path: string | undefined): string[] => {
  try {
    loadPersonaCatalog(path);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadPersonaCatalog', () => {
  it('ships a default set in Chinese and English with the usual templates', () => {
    const catalog = loadPersonaCatalog(undefined);
    expect(catalog.personas.length).toBeGreaterThanOrEqual(3);
    expect(catalog.templates.map((template) => template.name)).toEqual(expect.arrayContaining(['周报', '翻译', '代码审查']));
    expect(catalog.findPersona('translator')?.name).toBe('翻译官');
    expect(catalog.matchTemplate('#weekly a')?.template.name).toBe('周报');
  });

  it('reads JSON and YAML files of the same shape', () => {
    const json = fileWith('p.json', JSON.stringify({ personas: [{ name: 'pirate', description: 'arr', prompt: 'Talk like a pirate.' }] }));
    const yaml = fileWith('p.yaml', 'templates:\n  - name: tldr\n    description: short\n    prompt: "Shorten: {{input}}"\n');
    expect(loadPersonaCatalog(json).findPersona('PIRATE')?.prompt).toBe('Talk like a pirate.');
    expect(loadPersonaCatalog(yaml).matchTemplate('#tldr text')?.template.prompt).toBe('Shorten: {{input}}');
  });

  it.each([
    ['a missing file', undefined, /nope\.yaml: cannot be read \(ENOENT\)/],
    ['broken YAML', 'personas: [\n', /: is not valid JSON or YAML: /],
    ['a persona without a prompt', 'personas:\n  - name: a\n    description: d\n', /: personas\.0\.prompt: /],
    ['a name with a space', 'templates:\n  - name: two words\n    description: d\n    prompt: p\n', /: templates\.0\.name: must be one word/],
    ['an unknown section', 'persona: []\n', /: \(file\): Unrecognized key/i],
    ['a persona named like the default', 'personas:\n  - name: 默认\n    description: d\n    prompt: p\n', /"默认" of "默认" is already the name of the default persona/],
    [
      'an alias used twice',
      'templates:\n  - {name: a, aliases: [x], description: d, prompt: p}\n  - {name: b, aliases: [X], description: d, prompt: p}\n',
      /templates: "X" of "b" is already the name of "a"/,
    ],
  ])('stops on %s, naming PERSONAS_FILE, the file and the problem', (_, text, problem) => {
    const path = text === undefined ? join(dir, 'nope.yaml') : fileWith(`bad-${Math.random()}.yaml`, text);
    const problems = problemsOf(path);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((line) => line.startsWith(`PERSONAS_FILE: ${path}: `))).toBe(true);
    expect(problems.join('\n')).toMatch(problem);
  });
});
