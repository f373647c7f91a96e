import path from 'node:path';
import madge from 'madge';

export interface ImportGraphCheck {
  /** Each cycle as the files in it (relative to the base directory), e.g. `['a.ts', 'b.ts']` for a → b → a. */
  cycles: string[][];
  /** Relative imports that resolved to no file: were there any, the graph (and so the cycle list) would be short of edges. */
  unresolved: string[];
}

/**
 * The import cycles among the TypeScript files under `dirs`. Type imports count: two modules whose types need each
 * other are one design, whichever of them is erased at run time. `tsConfig` gives the module resolution, so the
 * `./x.js` spelling of NodeNext finds `./x.ts`.
 */
export async function findImportCycles(dirs: string[], options: { baseDir: string; tsConfig: string }): Promise<ImportGraphCheck> {
  const graph = await madge(
    dirs.map((dir) => path.resolve(options.baseDir, dir)),
    {
      baseDir: options.baseDir,
      fileExtensions: ['ts'],
      tsConfig: options.tsConfig,
      detectiveOptions: { ts: { skipTypeImports: false, skipAsyncImports: false } },
    },
  );
  return {
    cycles: graph.circular(),
    unresolved: graph.warnings().skipped.filter((specifier) => specifier.startsWith('.')),
  };
}
