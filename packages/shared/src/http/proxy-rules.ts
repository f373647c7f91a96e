import { BlockList, isIP } from 'node:net';

export interface ProxySettings {
  HTTP_PROXY?: string | undefined;
  HTTPS_PROXY?: string | undefined;
  NO_PROXY?: readonly string[] | undefined;
}

/** Which proxy, if any, a request to a URL goes through: the one decision for every outgoing client. */
export interface ProxyRules {
  /** Some proxy is configured. */
  readonly configured: boolean;
  /** The proxy URL for a request to `url`, or undefined to connect directly. */
  proxyFor(url: string | URL): string | undefined;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

interface NoProxyEntry {
  /** Lower-case host name or IP, without a leading `.` or `*.`. */
  host: string;
  port: number | undefined;
}

/**
 * The conventional proxy variables, read as curl and Go read them: `HTTP_PROXY` for `http:` and `ws:`,
 * `HTTPS_PROXY` (else `HTTP_PROXY`, as chatgpt-dingtalk's users rely on) for `https:` and `wss:`.
 * `NO_PROXY` lists what is reached directly: `*` for everything; a host or `.host` / `*.host`, which
 * also covers its subdomains; an IP address or an IPv4/IPv6 range (`10.0.0.0/8`); each optionally
 * with `:port`.
 */
export function proxyRules(settings: ProxySettings): ProxyRules {
  const httpProxy = settings.HTTP_PROXY;
  const httpsProxy = settings.HTTPS_PROXY ?? httpProxy;
  const noProxy = settings.NO_PROXY ?? [];
  const everything = noProxy.includes('*');
  const ranges = new BlockList();
  const entries: NoProxyEntry[] = [];
  for (const raw of noProxy) {
    const range = /^([\d.]+|[\da-f:]+)\/(\d{1,3})$/i.exec(raw);
    if (range && isIP(range[1]!)) {
      ranges.addSubnet(range[1]!, Number(range[2]), isIP(range[1]!) === 6 ? 'ipv6' : 'ipv4');
      continue;
    }
    entries.push(noProxyEntry(raw));
  }

  const direct = (url: URL): boolean => {
    if (everything) return true;
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? 0);
    const family = isIP(host);
    if (family !== 0 && ranges.check(host, family === 6 ? 'ipv6' : 'ipv4')) return true;
    return entries.some(
      (entry) => (entry.port === undefined || entry.port === port) && (host === entry.host || host.endsWith(`.${entry.host}`)),
    );
  };

  return {
    configured: httpProxy !== undefined || httpsProxy !== undefined,
    proxyFor(target) {
      const url = typeof target === 'string' ? new URL(target) : target;
      const proxy = url.protocol === 'https:' || url.protocol === 'wss:' ? httpsProxy : httpProxy;
      if (proxy === undefined || direct(url)) return undefined;
      return proxy;
    },
  };
}

/** `host`, `.host`, `*.host`, `host:port`, `[v6]:port`, or a bare IPv6 address. */
function noProxyEntry(raw: string): NoProxyEntry {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  if (bracketed) return { host: bracketed[1]!.toLowerCase(), port: bracketed[2] ? Number(bracketed[2]) : undefined };
  // A bare IPv6 address has several colons and no port.
  const withPort = raw.split(':').length === 2 ? /^(.+):(\d+)$/.exec(raw) : null;
  const host = (withPort ? withPort[1]! : raw).toLowerCase().replace(/^\*?\./, '');
  return { host, port: withPort ? Number(withPort[2]) : undefined };
}
