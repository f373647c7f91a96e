import type { Dispatcher, request } from 'undici';
import type { ProxyRules } from './proxy-rules.js';

/** undici's `request` and an agent of its own that sends each origin through the proxy `rules` name for it, or directly. */
export interface UndiciClient {
  request: typeof request;
  dispatcher: Dispatcher;
}

/**
 * undici, imported on first use, with an agent of its own. Loading undici installs its agent as the process' global
 * dispatcher when none is installed yet, which Node's own `fetch` would then use; Node's own undici is loaded first
 * (`Headers` is one of its lazy globals), so its dispatcher is the one installed, and the process' other requests are
 * made as they were.
 */
export async function dispatcherFor(rules: ProxyRules): Promise<UndiciClient> {
  void globalThis.Headers;
  const { Agent, Pool, ProxyAgent, request } = await import('undici');
  const dispatcher = rules.configured
    ? new Agent({
        // Called once per origin; the agent keeps what it returns for that origin's requests.
        factory: (origin, options) => {
          const proxy = rules.proxyFor(String(origin));
          return proxy === undefined ? new Pool(origin, options) : new ProxyAgent({ uri: proxy });
        },
      })
    : new Agent();
  return { request, dispatcher };
}
