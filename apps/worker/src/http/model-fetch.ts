import { dispatcherFor, proxiedFetch, type ProxyRules } from '@dtbot/shared';

type Fetch = typeof globalThis.fetch;

/**
 * The `fetch` the model SDK is given, made of undici's `request`: the SDK reads of a response only its status, its
 * headers, its body as JSON or text, or its body as an async iterable of bytes (a streamed answer), and `request`
 * does that without the web platform's objects around it (a Request, a Response, a web stream for the body), which
 * cost the worker more CPU per model call than the rest of the request (see docs/benchmarks.md). The answer handed
 * back is that small object, typed as a `Response`: the SDK is its only reader.
 *
 * A body other than a string (a file upload) goes through `proxiedFetch`, as do the proxy rules. Redirects are not
 * followed: a model API does not send one, and a followed one would carry the key past the origin it was meant for.
 * Like `fetch`, a request refused or cut off rejects (the SDK tells a connection error from a timeout by itself),
 * and an aborted one rejects with an error named `AbortError`.
 */
export function modelFetch(rules: ProxyRules): Fetch {
  const fallback = proxiedFetch(rules);
  let loaded: Promise<Fetch> | undefined;
  return ((input: Parameters<Fetch>[0], init?: RequestInit) => {
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') return fallback(input, init);
    return (loaded ??= fetchOverRequest(rules)).then((send) => send(input, init));
  }) as Fetch;
}

async function fetchOverRequest(rules: ProxyRules): Promise<Fetch> {
  const { request, dispatcher } = await dispatcherFor(rules);
  return (async (input: Parameters<Fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    const answer = await request(url, {
      method: (init?.method ?? 'GET') as 'GET',
      headers,
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
      ...(init?.signal ? { signal: init.signal } : {}),
      dispatcher,
    });
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (Array.isArray(value)) for (const one of value) answerHeaders.append(name, one);
      else if (value !== undefined) answerHeaders.append(name, value);
    }
    const status = answer.statusCode;
    return {
      status,
      statusText: '',
      ok: status >= 200 && status < 300,
      url,
      redirected: false,
      headers: answerHeaders,
      // A Node readable stream: the SDK iterates it for a streamed answer and ends it to cancel.
      body: answer.body,
      json: () => answer.body.json(),
      text: () => answer.body.text(),
      arrayBuffer: () => answer.body.arrayBuffer(),
    } as unknown as Response;
  }) as Fetch;
}
