import { z } from 'zod';

/** Comma-separated list → trimmed, non-empty items. */
export const csv = () =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

export const integer = (min = 0) => z.coerce.number().int().min(min);

/** An empty variable (`FOO=`) counts as unset, as operators expect from `.env` files. */
export function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') result[key] = value.trim();
  }
  return result;
}
