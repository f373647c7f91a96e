import { BlockList, isIP } from 'node:net';
import type Koa from 'koa';

/**
 * Loopback, link-local and unique-local addresses (RFC 1918, fc00::/7): where a reverse proxy in front of the
 * gateway stands (a sidecar, an Ingress controller, nginx on the host), and never a client from the Internet. As
 * Express's `trust proxy` "loopback, linklocal, uniquelocal".
 */
const PROXY_RANGES = (() => {
  const ranges = new BlockList();
  ranges.addSubnet('127.0.0.0', 8, 'ipv4');
  ranges.addAddress('::1', 'ipv6');
  ranges.addSubnet('169.254.0.0', 16, 'ipv4');
  ranges.addSubnet('fe80::', 10, 'ipv6');
  ranges.addSubnet('10.0.0.0', 8, 'ipv4');
  ranges.addSubnet('172.16.0.0', 12, 'ipv4');
  ranges.addSubnet('192.168.0.0', 16, 'ipv4');
  ranges.addSubnet('fc00::', 7, 'ipv6');
  return ranges;
})();

/** Whether a connection from `address` may be a reverse proxy's (IPv4-mapped IPv6 counts as its IPv4). */
export function isProxyPeer(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return PROXY_RANGES.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address for the dashboard's login lockout. A connection from the Internet is its own client: an
 * `X-Forwarded-For` it sends is its to write, and trusting it would let a guesser name a new address per guess.
 * A connection from a proxy's address is a proxy's: the client is the header's last entry, the one that proxy
 * appended (entries before it are the client's own words); without a usable entry, the connection's address.
 */
export function clientAddressOf(peer: string | undefined, forwardedFor: string | undefined): string {
  const own = peer ?? '';
  if (!isProxyPeer(own)) return own;
  const last = (forwardedFor ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .at(-1);
  return last !== undefined && isIP(last) !== 0 ? last : own;
}

/** Sets `ctx.ip` for everything after it; the app's first middleware. Koa's own proxy trust stays off. */
export function readClientAddress(app: Koa): void {
  app.proxy = false;
  app.use(async (ctx, next) => {
    ctx.request.ip = clientAddressOf(ctx.req.socket.remoteAddress, ctx.get('x-forwarded-for') || undefined);
    await next();
  });
}
