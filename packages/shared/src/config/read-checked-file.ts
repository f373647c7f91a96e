import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';

/**
 * Reads a settings file (JSON or YAML: JSON is YAML, so one parser reads both) and checks it with
 * its schema. Every problem is returned as a line naming the file and the place in it, never a
 * value: such files may hold secrets.
 */
export function readCheckedFile<S extends z.ZodType>(path: string, schema: S): { value: z.infer<S> } | { problems: string[] } {
  const problem = (text: string) => ({ problems: [`${path}: ${text}`] });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return problem(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    // The first line says where; the lines after it quote the file, which may hold a secret.
    return problem(`is not valid JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((issue) => `${path}: ${issue.path.join('.') || '(file)'}: ${issue.message}`) };
  }
  return { value: parsed.data };
}
