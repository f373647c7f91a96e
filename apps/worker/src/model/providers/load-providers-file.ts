import { ConfigError, readCheckedFile } from '@dtbot/shared';
import { providersFileSchema, type ProviderEntry } from './providers-file.js';

/**
 * The providers of `PROVIDERS_FILE` (none when it is unset), checked at start: anything wrong is a
 * `ConfigError` naming the file and each place, never a value (the file holds API keys), so the
 * worker stops instead of failing over to a provider it cannot use.
 */
export function loadProvidersFile(path: string | undefined): ProviderEntry[] {
  if (path === undefined) return [];
  const read = readCheckedFile(path, providersFileSchema);
  if ('problems' in read) throw new ConfigError(read.problems.map((problem) => `PROVIDERS_FILE: ${problem}`));
  return read.value.providers;
}
