import Router from '@koa/router';
import { redisAnswers, type Logger, type RedisClient, type Robot } from '@dtbot/shared';
import type { AcceptDeps } from './accept/accept-message.js';
import type { GatewayMetrics } from './metrics.js';
import { receiveCallback } from './callback/receive-callback.js';
import { HttpError } from './http-error.js';
import { CALLBACK_PATHS, CARD_CALLBACK_PATH } from './callback/callback-paths.js';
import { receiveCardCallback } from './callback/receive-card-callback.js';
import type { CardPressDeps } from './cards/card-presses.js';
import { registerPlaygroundRoutes, type Playground } from './playground/playground-routes.js';

export interface RouteDeps extends AcceptDeps {
  logger: Logger;
  redis: RedisClient;
  metrics: GatewayMetrics;
  /** The robots whose callbacks this gateway takes; each callback is the robot's whose secret signed it. */
  robots: readonly Robot[];
  maxBodyBytes: number;
  /** Set once SIGTERM arrived: readiness turns 503 so load balancers stop sending. */
  isDraining: () => boolean;
  /** Whether DingTalk's HTTP callbacks are taken here (not in Stream-only mode); default true. */
  httpCallbacks?: boolean;
  /** In Stream mode: every robot's Stream connection is up. Readiness requires it. */
  isStreamUp?: () => boolean;
  /** Presses of the buttons of the robots' AI cards (stop, feedback); `POST /dingtalk/card-callback` when set. */
  cards?: CardPressDeps;
  /** The chat playground at `/playground`, when it is on. */
  playground?: Playground;
}

/** The gateway's HTTP surface on PORT; `/metrics` has a port of its own (`metrics-app.ts`). */
export function buildRouter(deps: RouteDeps): Router {
  const router = new Router();
  const callback = receiveCallback(deps);
  if (deps.httpCallbacks ?? true) {
    for (const path of CALLBACK_PATHS) router.post(path, callback);
    if (deps.cards) router.post(CARD_CALLBACK_PATH, receiveCardCallback(deps.cards, deps.robots, deps.maxBodyBytes));
    // Instead of router.allowedMethods(), which would run on every callback. `/` stays a plain 404
    // for other methods: load balancers often probe `GET /`.
    router.all('/dingtalk/callback', () => {
      throw new HttpError(405, 'method_not_allowed', 'use POST');
    });
  }
  if (deps.playground) registerPlaygroundRoutes(router, deps.playground);
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const status = await readiness(deps);
    ctx.status = status === 'ready' ? 200 : 503;
    ctx.body = { status };
  });
  return router;
}

/** Ready to take messages: not draining, Redis answers, and in Stream mode every robot is connected. */
async function readiness(deps: RouteDeps): Promise<'ready' | 'draining' | 'redis unavailable' | 'stream disconnected'> {
  if (deps.isDraining()) return 'draining';
  if (deps.isStreamUp && !deps.isStreamUp()) return 'stream disconnected';
  return (await redisAnswers(deps.redis)) ? 'ready' : 'redis unavailable';
}
