import { once } from 'node:events';
import type { Logger } from 'pino';
import type { RedisClient } from './create-redis.js';
import { AGREEMENT_REFRESH_MS, AGREEMENT_START_WAIT_MS, agreeOnSettings, disagreementMessage } from './settings-agreement.js';

export interface SettingsAgreementOptions {
  redis: RedisClient;
  /** The record (`redisKeys(prefix).agreedSettings()`). */
  key: string;
  /** This process's values (`agreedSettingsOf(config)`). */
  settings: Record<string, string>;
  logger: Logger;
  /** Called with the operator's message when this process disagrees before it ever agreed: it must stop. */
  onDisagree: (message: string) => void;
  /** Tests shorten these. */
  refreshMs?: number;
  startWaitMs?: number;
}

export interface SettingsAgreementWatch {
  stop(): void;
}

/**
 * Checks at start that this process holds the agreed settings as the running ones recorded them (recording them
 * when none run), then keeps the record alive. Redis being away does not hold start-up back (a gateway answers 503
 * meanwhile, as it always did): the first refresh that reaches Redis checks instead. A disagreement found after this
 * process agreed (the record lapsed while Redis was away and another process recorded other values) is logged, not
 * fatal: stopping a serving fleet would be worse than the warning.
 */
export async function watchSettingsAgreement(options: SettingsAgreementOptions): Promise<SettingsAgreementWatch> {
  const { redis, key, settings, logger } = options;
  let agreed = false;
  const round = async () => {
    try {
      const disagreement = await agreeOnSettings(redis, key, settings);
      if (!disagreement) {
        agreed = true;
        return;
      }
      const message = disagreementMessage(disagreement, key);
      if (agreed) logger.error({ setting: disagreement.name }, message);
      else options.onDisagree(message);
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'agreed settings: Redis did not answer; checked again at the next refresh');
    }
  };
  if (redis.status !== 'ready') {
    await once(redis, 'ready', { signal: AbortSignal.timeout(options.startWaitMs ?? AGREEMENT_START_WAIT_MS) }).catch(() => undefined);
  }
  const first = round();
  // A client that queues commands while Redis is away would hold start-up until it is back: the check finishes then.
  if (redis.status === 'ready') await first;
  const timer = setInterval(() => void round(), options.refreshMs ?? AGREEMENT_REFRESH_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
