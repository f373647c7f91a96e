import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { AuthFailures } from './auth-failures.js';

export interface BasicAuthOptions {
  username: string;
  password: string;
  failures: AuthFailures;
  realm: string;
}

// Both sides hashed first: timingSafeEqual needs equal lengths, and comparing digests leaks not even the length.
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const sameSecret = (given: string, expected: Buffer) => timingSafeEqual(digest(given), expected);

/** `Authorization: Basic base64(user:password)`; undefined when the header is absent or not Basic. */
function credentialsOf(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Basic authentication with a lockout: wrong credentials are counted per client address in Redis, and an address
 * past the limit gets 429 (with Retry-After) and no word on its credentials, right or wrong.
 * A request without credentials is not a failure: browsers send one first to learn that a login is needed.
 */
export function requireBasicAuth(options: BasicAuthOptions): Middleware {
  const expectedUser = digest(options.username);
  const expectedPassword = digest(options.password);
  const challenge = `Basic realm="${options.realm}", charset="UTF-8"`;
  const unavailable = (ctx: Context) => {
    // Without Redis the lockout cannot be enforced, and the dashboard could show nothing anyway.
    ctx.status = 503;
    ctx.body = { error: 'dashboard_unavailable', message: 'Redis does not answer' };
  };
  const lockedOut = (ctx: Context, seconds: number) => {
    ctx.status = 429;
    ctx.set('Retry-After', String(seconds));
    ctx.body = { error: 'too_many_failures', message: `too many failed logins from this address; try again in ${seconds} s` };
  };

  return async (ctx, next) => {
    const address = ctx.ip || 'unknown';
    const given = credentialsOf(ctx.get('authorization'));
    if (!given) {
      const state = await options.failures.read(address).catch(() => undefined);
      if (!state) return unavailable(ctx);
      if (state.lockedForSeconds > 0) return lockedOut(ctx, state.lockedForSeconds);
      ctx.status = 401;
      ctx.set('WWW-Authenticate', challenge);
      ctx.body = { error: 'unauthorized', message: 'log in with the dashboard user name and password' };
      return;
    }
    // Both compared, always: which one was wrong must not show in the time taken.
    const userMatches = sameSecret(given.username, expectedUser);
    const passwordMatches = sameSecret(given.password, expectedPassword);
    const verdict = await options.failures.judge(address, userMatches && passwordMatches).catch(() => undefined);
    if (!verdict) return unavailable(ctx);
    if (verdict.outcome === 'locked') return lockedOut(ctx, verdict.lockedForSeconds);
    if (verdict.outcome === 'refused') {
      ctx.status = verdict.lockedForSeconds > 0 ? 429 : 401;
      if (ctx.status === 429) ctx.set('Retry-After', String(verdict.lockedForSeconds));
      else ctx.set('WWW-Authenticate', challenge);
      ctx.body = { error: ctx.status === 429 ? 'too_many_failures' : 'unauthorized', message: 'wrong user name or password' };
      return;
    }
    await next();
  };
}
