import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aliasNames } from './aliases.js';
import { gatewaySchema, workerSchema } from './schema.js';

// Operators read the README and .env.example, not the schema: a variable missing there does not exist for them.
const root = new URL('../../../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const envExample = readFileSync(new URL('.env.example', root), 'utf8');
const variables = [...new Set([...Object.keys(gatewaySchema.shape), ...Object.keys(workerSchema.shape)])];

describe('every setting is documented', () => {
  it.each(variables)('%s has a description, a README row and an .env.example line', (name) => {
    const field = (gatewaySchema.shape as Record<string, { description?: string }>)[name] ??
      (workerSchema.shape as Record<string, { description?: string }>)[name];
    expect(field?.description, `${name} needs .describe()`).toBeTruthy();
    expect(readme).toContain(`\`${name}\``);
    expect(envExample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
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
