import Koa from 'koa';
import { HttpError } from './http-error.js';
import { handleErrors } from './middleware/handle-errors.js';
import { buildRouter, type RouteDeps } from './routes.js';

/** Builds the Koa app from its dependencies; only `main.ts` opens a port. */
export function buildApp(deps: RouteDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  app.use(handleErrors(deps.logger, deps.metrics));
  const router = buildRouter(deps);
  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      methodNotAllowed: () => new HttpError(405, 'method_not_allowed', 'method not allowed'),
      notImplemented: () => new HttpError(501, 'not_implemented', 'not implemented'),
    }),
  );
  // Koa logs unhandled errors itself; ours are all handled above.
  app.silent = true;
  return app;
}
