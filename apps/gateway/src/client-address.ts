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
  const client = last === undefined ? undefined : addressOfEntry(last);
  return client ?? own;
}

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const BRACKETED_IPV6 = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/;

/**
 * The address an `X-Forwarded-For` entry names. Some proxies (Azure Application Gateway, IIS ARR) write the
 * client's port too, `203.0.113.7:51234` or `[2001:db8::7]:443`: the port is dropped, or every client behind such
 * a proxy would be counted as the proxy, one lockout for all.
 */
function addressOfEntry(entry: string): string | undefined {
  if (isIP(entry) !== 0) return entry;
  const ipv4 = IPV4_WITH_PORT.exec(entry)?.[1];
  if (ipv4 !== undefined && isIP(ipv4) === 4) return ipv4;
  const ipv6 = BRACKETED_IPV6.exec(entry)?.[1];
  if (ipv6 !== undefined && isIP(ipv6) === 6) return ipv6;
  return undefined;
}

/** Sets `ctx.ip` for everything after it; the app's first middleware. Koa's own proxy trust stays off. */
export function readClientAddress(app: Koa): void {
  app.proxy = false;
  app.use(async (ctx, next) => {
    ctx.request.ip = clientAddressOf(ctx.req.socket.remoteAddress, ctx.get('x-forwarded-for') || undefined);
    await next();
  });
}
