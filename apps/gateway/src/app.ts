import Koa from 'koa';
import { HttpError } from './http-error.js';
import { handleErrors } from './middleware/handle-errors.js';
import { buildRouter, type RouteDeps } from './routes.js';

/** Builds the Koa app from its dependencies; only `main.ts` opens a port. */
export function buildApp(deps: RouteDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  app.use(async (ctx, next) => {
    await next();
    // Refusals carry a code in their body; count them where they are turned into answers.
    if (ctx.status >= 400 && ctx.path === '/dingtalk/callback') {
      const body = ctx.body as { error?: string } | undefined;
      deps.metrics.callbacks.inc({ result: body?.error ?? String(ctx.status) });
    }
  });
  app.use(handleErrors(deps.logger));
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
