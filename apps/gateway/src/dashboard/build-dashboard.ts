import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { QueueShard } from '@dtbot/shared';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { DASHBOARD_PATH } from './dashboard-path.js';
import type { AuthFailures } from './auth-failures.js';
import { onlyAllowedActions } from './dashboard-actions.js';
import { maskSecrets } from './mask-secrets.js';
import { requireBasicAuth } from './require-basic-auth.js';
import type { ShardQueue } from '../shard-stores.js';

export interface DashboardOptions {
  /** Every queue shard's queue, each shown as a queue of its own. */
  queues: readonly ShardQueue[];
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
 * How a shard's queue is named on the board. Bull Board tells queues apart by name (its URLs carry it), and every
 * shard's queue has the same BullMQ name under another prefix, so with several shards each name gets the shard in
 * front (`shard-1.messages`); the description says where its keys are. One shard keeps the plain name.
 */
function shardNaming(queueName: string, shard: QueueShard): { prefix?: string; displayName: string; description: string } {
  const where = `Redis prefix ${shard.prefix}, hash slot ${shard.slot}`;
  if (shard.count === 1) return { displayName: queueName, description: where };
  return { prefix: `shard-${shard.index}.`, displayName: `${queueName} · shard ${shard.index} of ${shard.count}`, description: where };
}

/**
 * Bull Board at `/admin/queues`, behind basic authentication. The middleware handles requests below that path and
 * passes every other one on untouched, so it can sit in front of the gateway's routes or alone on its own port.
 */
export function buildDashboard(options: DashboardOptions): Middleware {
  const serverAdapter = new KoaAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: options.queues.map(
      ({ queue, shard }) =>
        new BullMQAdapter(queue, { readOnlyMode: options.readOnly, allowRetries: !options.readOnly, ...shardNaming(queue.name, shard) }),
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
