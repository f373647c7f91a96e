import Koa from 'koa';
import type { GatewayMetrics } from './metrics.js';

/**
 * `GET /metrics` alone, for its own port (`METRICS_PORT`, 9463 by default): Prometheus scrapes it there, and the callback
 * port, which DingTalk and so the Internet reaches, does not show the queue's state or the robots' traffic.
 */
export function buildMetricsApp(metrics: GatewayMetrics): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx) => {
    if (ctx.path !== '/metrics') {
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.body = { error: 'method_not_allowed' };
      return;
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return app;
}
