import Koa, { type Middleware } from 'koa';
import { readClientAddress } from './client-address.js';
import { handleErrors } from './middleware/handle-errors.js';
import { buildRouter, type RouteDeps } from './routes.js';

export interface AppDeps extends RouteDeps {
  /** The queue dashboard, when it is on and served on this port (it handles only its own path). */
  dashboard?: Middleware | undefined;
}

/** Builds the Koa app from its dependencies; only `main.ts` opens a port. */
export function buildApp(deps: AppDeps): Koa {
  const app = new Koa();
  readClientAddress(app);
  app.use(handleErrors(deps.logger, deps.metrics));
  if (deps.dashboard) app.use(deps.dashboard);
  const router = buildRouter(deps);
  app.use(router.routes());
  // Koa logs unhandled errors itself; ours are all handled above.
  app.silent = true;
  return app;
}
