import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Queue } from 'bullmq';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { DASHBOARD_PATH } from './dashboard-path.js';
import type { AuthFailures } from './auth-failures.js';
import { onlyAllowedActions } from './dashboard-actions.js';
import { maskSecrets } from './mask-secrets.js';
import { requireBasicAuth } from './require-basic-auth.js';

export interface DashboardOptions {
  queues: readonly Queue[];
  username: string;
  password: string;
  failures: AuthFailures;
  /** Shows jobs and offers no action; Bull Board then refuses every change itself too. */
  readOnly: boolean;
}

/** API answers go out with every credential masked: job data, results, error messages and stack traces alike. */
const maskResponses: Middleware = async (ctx, next) => {
  await next();
  if (ctx.body !== null && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body) && typeof (ctx.body as { pipe?: unknown }).pipe !== 'function') {
    ctx.body = maskSecrets(ctx.body);
  }
};

/**
 * Bull Board at `/admin/queues`, behind basic authentication. The middleware handles requests below that path and
 * passes every other one on untouched, so it can sit in front of the gateway's routes or alone on its own port.
 */
export function buildDashboard(options: DashboardOptions): Middleware {
  const serverAdapter = new KoaAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: options.queues.map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly, allowRetries: !options.readOnly, displayName: queue.name }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'dtbot queues' } },
  });
  const chain: Middleware[] = [
    requireBasicAuth({ username: options.username, password: options.password, failures: options.failures, realm: 'dtbot dashboard' }),
    onlyAllowedActions(DASHBOARD_PATH),
    maskResponses,
    serverAdapter.registerPlugin() as Middleware,
  ];
  const run = (ctx: Koa.Context, index: number, next: Koa.Next): Promise<void> =>
    index === chain.length ? next() : Promise.resolve(chain[index]!(ctx, () => run(ctx, index + 1, next)));

  return (ctx, next) => (ctx.path === DASHBOARD_PATH || ctx.path.startsWith(`${DASHBOARD_PATH}/`) ? run(ctx, 0, next) : next());
}
