import Koa, { type Middleware } from 'koa';

/** The dashboard alone, for its own port (`DASHBOARD_PORT`): anything else there is 404. */
export function buildDashboardApp(dashboard: Middleware): Koa {
  const app = new Koa();
  // Behind one proxy, the address it saw is the last X-Forwarded-For entry; the lockout counts per address.
  app.proxy = true;
  app.maxIpsCount = 1;
  app.silent = true;
  app.use(dashboard);
  return app;
}
