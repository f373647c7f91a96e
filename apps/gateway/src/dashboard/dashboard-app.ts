import Koa, { type Middleware } from 'koa';
import { readClientAddress } from '../client-address.js';

/** The dashboard alone, for its own port (`DASHBOARD_PORT`): anything else there is 404. */
export function buildDashboardApp(dashboard: Middleware): Koa {
  const app = new Koa();
  readClientAddress(app);
  app.silent = true;
  app.use(dashboard);
  return app;
}
