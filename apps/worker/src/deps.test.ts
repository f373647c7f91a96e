import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.dirname(fileURLToPath(import.meta.url));

/**
 * The files that may hold the whole `WorkerDeps` bag: where it is declared, where it is assembled, and the
 * entry point that hands each shard's bag to the functions that take their own Picks of it.
 */
const MAY_TAKE_THE_WHOLE_BAG = new Set(['deps.ts', 'build-deps.ts', 'main.ts']);

/**
 * A parameter, field or type typed as the whole bag (`deps: WorkerDeps`, `shards: readonly WorkerDeps[]`) or as all
 * of it but a few fields (`Omit<WorkerDeps, …>`): what a function takes should say which collaborators it uses,
 * as a `Pick<WorkerDeps, …>` named for its module.
 */
const WHOLE_BAG = /:\s*(?:readonly\s+)?WorkerDeps\b|Omit<\s*WorkerDeps\b/;

/** Each source file (tests aside) outside the allow-list that takes the whole bag, as a path under src. */
function filesTakingTheWholeBag(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !MAY_TAKE_THE_WHOLE_BAG.has(file))
    .filter((file) => WHOLE_BAG.test(readFileSync(path.join(root, file), 'utf8')))
    .sort();
}

describe('WorkerDeps', () => {
  it('the worker sources outside deps.ts, build-deps.ts and main.ts → none takes the whole bag', () => {
    expect(filesTakingTheWholeBag(SRC)).toEqual([]);
  });

  it('"deps: WorkerDeps", "readonly WorkerDeps[]" and "Omit<WorkerDeps, …>" → the whole bag; "Pick<WorkerDeps, …>" → not', () => {
    const whole = ['function a(deps: WorkerDeps) {}', 'function b(shards: readonly WorkerDeps[]) {}', "type C = Omit<WorkerDeps, 'notices'>;"];
    expect(whole.filter((line) => WHOLE_BAG.test(line))).toEqual(whole);
    expect(WHOLE_BAG.test("function d(deps: Pick<WorkerDeps, 'redis' | 'keys'>) {}")).toBe(false);
  });
});
