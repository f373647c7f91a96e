import type { ProxyRules } from './proxy-rules.js';

/**
 * The `fetch` every outgoing HTTP client uses (the model SDK, the DingTalk client, Stream's
 * `connections/open`): Node's own when no proxy is configured, else undici's with one dispatcher that
 * sends each origin through the proxy `rules` name for it (a CONNECT tunnel) or directly.
 *
 * undici is imported on the first request, and only when a proxy is set: loading it installs its
 * agent as the process' global dispatcher, which Node's own `fetch` then uses too, changing how every
 * other request of the process (and of a test process) is made.
 */
export function proxiedFetch(rules: ProxyRules): typeof fetch {
  if (!rules.configured) return globalThis.fetch;
  let loaded: Promise<typeof fetch> | undefined;
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    (loaded ??= fetchThrough(rules)).then((fetchVia) => fetchVia(input, init))) as typeof fetch;
}

async function fetchThrough(rules: ProxyRules): Promise<typeof fetch> {
  const { Agent, Pool, ProxyAgent, fetch: undiciFetch } = await import('undici');
  const dispatcher = new Agent({
    // Called once per origin; the agent keeps what it returns for that origin's requests.
    factory: (origin, options) => {
      const proxy = rules.proxyFor(String(origin));
      return proxy === undefined ? new Pool(origin, options) : new ProxyAgent({ uri: proxy });
    },
  });
  // undici's fetch is the one Node ships, with its own types; the two agree on what callers use.
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch;
}
