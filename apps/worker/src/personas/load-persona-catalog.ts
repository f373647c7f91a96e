import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ConfigError } from '@dtbot/shared';
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
  const fail = (problems: string[]): never => {
    throw new ConfigError(problems.map((problem) => `PERSONAS_FILE: ${file}: ${problem}`));
  };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return fail([`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    return fail([`is not valid JSON or YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const parsed = personasFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    return fail(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`));
  }
  const problems = catalogProblems(parsed.data);
  if (problems.length > 0) fail(problems);
  return PersonaCatalog.from(parsed.data);
}
