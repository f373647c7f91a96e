import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aliasNames } from './aliases.js';
import { platformVariableNames } from './platform-variables.js';
import { gatewaySchema, workerSchema } from './schema.js';

// Operators read the README and .env.example, not the schema: a variable missing there does not exist for them.
const root = new URL('../../../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const envExample = readFileSync(new URL('.env.example', root), 'utf8');
const read = [...new Set([...Object.keys(gatewaySchema.shape), ...Object.keys(workerSchema.shape)])];
const platform = platformVariableNames();
const settings = read.filter((name) => !platform.includes(name));

/** The names of the rows of the README table whose header row is `header`, in order. */
function tableRows(header: string): string[] {
  const start = readme.indexOf(`${header}\n`);
  expect(start, `a README table headed ${header}`).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (const line of readme.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    rows.push(/^\| `([A-Z0-9_]+)`/.exec(line)?.[1] ?? line);
  }
  return rows;
}
const settingsTable = tableRows('| variable | chatgpt-dingtalk | used by | meaning | default |');
const standardTable = tableRows('| variable | meaning | default |');

describe('every setting is documented', () => {
  it.each(settings)('%s has a description, a row in the settings table and an .env.example line', (name) => {
    const field = (gatewaySchema.shape as Record<string, { description?: string }>)[name] ??
      (workerSchema.shape as Record<string, { description?: string }>)[name];
    expect(field?.description, `${name} needs .describe()`).toBeTruthy();
    expect(settingsTable).toContain(name);
    expect(envExample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it('the settings table has a row for each setting and nothing else', () => {
    expect([...settingsTable].sort()).toEqual([...settings].sort());
  });
});

describe('every standard variable the processes honour is documented apart from the settings', () => {
  it('is read with the settings', () => {
    for (const name of platform) expect(read).toContain(name);
  });

  it.each(platform)('%s has a description, a row in the standard variables\' table and an .env.example line', (name) => {
    const field = (gatewaySchema.shape as Record<string, { description?: string }>)[name];
    expect(field?.description, `${name} needs .describe()`).toBeTruthy();
    expect(envExample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it('the standard variables\' table lists exactly them', () => {
    expect([...standardTable].sort()).toEqual([...platform].sort());
  });
});

describe('every chatgpt-dingtalk name is documented beside ours', () => {
  // The configuration table's rows: | `OURS` | their names | used by | meaning | default |
  const rows = new Map(
    [...readme.matchAll(/^\| `([A-Z_]+)`[^|]* \| ([^|]*) \|/gm)].map(([, ours, theirs]) => [ours!, theirs!]),
  );
  it.each(aliasNames())('$theirs in the chatgpt-dingtalk column of $ours', ({ theirs, ours }) => {
    expect(rows.get(ours), `${ours} has no configuration row`).toContain(`\`${theirs}\``);
  });
});
