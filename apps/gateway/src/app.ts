import Koa from 'koa';
import { handleErrors } from './middleware/handle-errors.js';
import { buildRouter, type RouteDeps } from './routes.js';

/** Builds the Koa app from its dependencies; only `main.ts` opens a port. */
export function buildApp(deps: RouteDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  app.use(handleErrors(deps.logger, deps.metrics));
  const router = buildRouter(deps);
  app.use(router.routes());
  // Koa logs unhandled errors itself; ours are all handled above.
  app.silent = true;
  return app;
}
