import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findImportCycles } from './find-import-cycles.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const tsConfig = path.join(root, 'tooling/tsconfig.base.json');

/** The `src` folder of every app and package, so a new one is checked without a change here. */
function sourceDirs(): string[] {
  return ['apps', 'packages'].flatMap((parent) =>
    readdirSync(path.join(root, parent))
      .map((name) => `${parent}/${name}/src`)
      .filter((dir) => existsSync(path.join(root, dir))),
  );
}

describe('findImportCycles', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'dtbot-import-cycles-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('two files whose type imports need each other, spelled ./x.js as NodeNext wants → that cycle', async () => {
    writeFileSync(path.join(scratch, 'a.ts'), "import type { B } from './b.js';\nexport interface A { b: B }\n");
    writeFileSync(path.join(scratch, 'b.ts'), "import type { A } from './a.js';\nexport interface B { a?: A }\n");
    writeFileSync(path.join(scratch, 'c.ts'), "import type { A } from './a.js';\nexport type C = A;\n");
    const check = await findImportCycles(['.'], { baseDir: scratch, tsConfig });
    expect(check).toEqual({ cycles: [['a.ts', 'b.ts']], unresolved: [] });
  });

  it('an import of a file that does not exist → reported as unresolved, not silently left out', async () => {
    const dir = mkdtempSync(path.join(scratch, 'missing-'));
    writeFileSync(path.join(dir, 'a.ts'), "import { gone } from './gone.js';\nexport const a = gone;\n");
    const check = await findImportCycles(['.'], { baseDir: dir, tsConfig });
    expect(check.unresolved).toEqual(['./gone.js']);
  });
});

describe('the apps and packages', () => {
  it('apps/*/src and packages/*/src → no import cycle (type imports included) and every relative import resolved', async () => {
    const dirs = sourceDirs();
    expect(dirs).toEqual(expect.arrayContaining(['apps/gateway/src', 'apps/worker/src', 'packages/shared/src']));
    const check = await findImportCycles(dirs, { baseDir: root, tsConfig });
    // Joined, so a failure names each cycle as a readable chain.
    expect(check.cycles.map((cycle) => [...cycle, cycle[0]].join(' → '))).toEqual([]);
    expect(check.unresolved).toEqual([]);
  });
});
