import type { ProxyRules } from './proxy-rules.js';
import { dispatcherFor } from './undici-dispatcher.js';

/** A request of a small JSON API: no redirect is followed, the body is a string or absent. */
export interface HttpRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** What came back: the status, one header, and the body read once (or thrown away). */
export interface HttpAnswer {
  status: number;
  header(name: string): string | undefined;
  text(): Promise<string>;
  discard(): Promise<void>;
}

export type HttpRequest = (url: URL, init: HttpRequestInit) => Promise<HttpAnswer>;

/**
 * undici's `request` for the small JSON calls a worker makes to DingTalk on every answer (a webhook post, an
 * OpenAPI call), through the proxy `rules` name for each origin, or directly. `fetch` does the same work with the
 * web platform's objects around it (Request, Response, Headers, a web stream for the body): measured on a 2-core
 * machine against a local server, 280–530 µs of CPU a request against 86–120 µs for `request`
 * (docs/benchmarks.md). Redirects are not followed (`request` follows none unless asked).
 *
 * undici is imported on the first request, with an agent of its own as this client's dispatcher (`dispatcherFor`).
 */
export function proxiedRequest(rules: ProxyRules): HttpRequest {
  let loaded: Promise<HttpRequest> | undefined;
  return (url, init) => (loaded ??= requestThrough(rules)).then((send) => send(url, init));
}

async function requestThrough(rules: ProxyRules): Promise<HttpRequest> {
  const { request, dispatcher } = await dispatcherFor(rules);
  return async (url, init) => {
    const answer = await request(url, {
      method: init.method as 'GET',
      headers: init.headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      signal: init.signal,
      dispatcher,
    });
    return {
      status: answer.statusCode,
      header: (name) => {
        const value = answer.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : value;
      },
      text: () => answer.body.text(),
      discard: () => answer.body.dump().catch(() => undefined),
    };
  };
}
