import { PLAYGROUND_WEBHOOK_ORIGIN, playgroundRobot, type GatewayConfig, type Logger, type RedisClient, type RedisKeys } from '@dtbot/shared';
import type { AcceptDeps } from '../accept/accept-message.js';
import { AllSessionsLimits } from './all-sessions-limits.js';
import { PLAYGROUND_LIMITS } from './playground-limits.js';
import { loadPlaygroundPage } from './playground-page.js';
import type { Playground } from './playground-routes.js';
import { PlaygroundSessions, type PlaygroundSessionsOptions } from './playground-sessions.js';
import { TranscriptHub } from './transcript-hub.js';

export interface PlaygroundOptions {
  config: Pick<GatewayConfig, 'MEMORY_SCOPE' | 'STOP_COMMANDS' | 'FEEDBACK_COMMANDS'>;
  redis: RedisClient;
  /** A connection for the subscription alone, which waits out Redis restarts (commands queue meanwhile). */
  subscriber: RedisClient;
  keys: RedisKeys;
  /** The gateway's accept path: the playground's messages take it, with their own robot and webhook origin. */
  accept: AcceptDeps;
  logger: Logger;
  /** Tighter bounds than the defaults (tests). */
  limits?: Partial<PlaygroundSessionsOptions & { allQuestionsPerMinute: number; allQuestionsPerDay: number }>;
}

/**
 * The playground of one gateway: its own robot (a secret drawn for this process), sessions and
 * transcripts in Redis, and a subscription that wakes the event streams it holds. `hub.start()`
 * subscribes.
 */
export function buildPlayground(options: PlaygroundOptions): Playground {
  const { config, redis, keys, logger } = options;
  const { allQuestionsPerMinute, allQuestionsPerDay, ...sessionLimits } = options.limits ?? {};
  const sessions = new PlaygroundSessions(redis, keys, {
    maxSessions: PLAYGROUND_LIMITS.maxSessions,
    idleMs: PLAYGROUND_LIMITS.sessionIdleMs,
    transcriptEntries: PLAYGROUND_LIMITS.transcriptEntries,
    questionsPerMinute: PLAYGROUND_LIMITS.questionsPerMinute,
    ...sessionLimits,
  });
  const allSessions = new AllSessionsLimits(redis, keys, {
    questionsPerMinute: allQuestionsPerMinute ?? PLAYGROUND_LIMITS.allQuestionsPerMinute,
    questionsPerDay: allQuestionsPerDay ?? PLAYGROUND_LIMITS.allQuestionsPerDay,
  });
  return {
    page: loadPlaygroundPage(),
    // The page's stop and 👍/👎 buttons send these words through the pipeline, as a DingTalk user would.
    words: { stop: config.STOP_COMMANDS[0], good: config.FEEDBACK_COMMANDS[0], bad: config.FEEDBACK_COMMANDS[1] },
    sessions,
    allSessions,
    hub: new TranscriptHub(options.subscriber, keys.playgroundChannel(), logger),
    logger,
    submit: {
      // The playground's webhooks are the only place its messages may be answered from the gateway's view too.
      accept: { ...options.accept, allowedOrigins: [PLAYGROUND_WEBHOOK_ORIGIN] },
      robot: playgroundRobot({ memoryScope: config.MEMORY_SCOPE }),
      sessions,
    },
  };
}
