import type { Logger } from 'pino';
import { ConfigError, type Loaded } from './load-config.js';

/**
 * Start-up: a bad configuration (the environment, or a file it names) ends the process with one
 * message naming every problem (on stderr: the logger is not configured yet). Anything else is a
 * bug and is thrown.
 */
export function loadConfigOrExit<T>(app: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${app}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Operators coming from chatgpt-dingtalk see which of their names were read as ours. */
export function logAliasesUsed(logger: Logger, aliasesUsed: Loaded<unknown>['aliasesUsed']): void {
  for (const alias of aliasesUsed) logger.info(alias, `using ${alias.theirs} as ${alias.ours}`);
}

/** Operators upgrading see which of their settings are no longer read, and what the value now is. */
export function logRetiredSettings(logger: Logger, retiredSet: Loaded<unknown>['retiredSet']): void {
  for (const { name, fixedAt } of retiredSet) logger.warn({ setting: name }, `${name} is no longer read: it is fixed at ${fixedAt}`);
}
