import { fileURLToPath } from 'node:url';
import { ConfigError, readCheckedFile } from '@dtbot/shared';
import { catalogProblems, PersonaCatalog, personasFileSchema } from './persona-catalog.js';

/** The default set, a data file beside the worker's package (kept in the built image with `dist/`). */
export const SHIPPED_PERSONAS_FILE = fileURLToPath(new URL('../../personas.yaml', import.meta.url));

/**
 * Reads and checks the personas file: `PERSONAS_FILE` when set, else the shipped one. JSON is YAML,
 * so one parser reads both. Anything wrong is a `ConfigError` naming the file and each problem, so
 * the worker stops at start instead of answering with a half-read catalogue.
 */
export function loadPersonaCatalog(path: string | undefined): PersonaCatalog {
  const file = path ?? SHIPPED_PERSONAS_FILE;
  const read = readCheckedFile(file, personasFileSchema);
  if ('problems' in read) throw new ConfigError(read.problems.map((problem) => `PERSONAS_FILE: ${problem}`));
  const problems = catalogProblems(read.value);
  if (problems.length > 0) throw new ConfigError(problems.map((problem) => `PERSONAS_FILE: ${file}: ${problem}`));
  return PersonaCatalog.from(read.value);
}
