import type Koa from 'koa';

/**
 * Where `ctx.ip` (the address the dashboard's login lockout counts) comes from. Reached directly, it is the
 * connection's own address: an `X-Forwarded-For` header is the client's to write, and trusting it would let a
 * guesser name a new address per guess. Behind one reverse proxy (`trustProxy`), it is the last entry of that
 * header, the one the proxy itself appended.
 */
export function readClientAddress(app: Koa, trustProxy: boolean): void {
  app.proxy = trustProxy;
  app.maxIpsCount = 1;
}
