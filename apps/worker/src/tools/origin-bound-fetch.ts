/**
 * A fetch for one tool server: it reaches that server's origin and nothing else, and never follows a redirect
 * (a 3xx comes back as it is, and the MCP client fails the request), so a server cannot send the worker, with
 * the headers configured for it, somewhere else.
 */
export function originBoundFetch(url: string, fetchVia: typeof fetch = globalThis.fetch): typeof fetch {
  const allowed = new URL(url).origin;
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const target = new URL(input instanceof Request ? input.url : String(input));
    if (target.origin !== allowed) return Promise.reject(new Error(`refused a request to ${target.origin}: the tool server is ${allowed}`));
    return fetchVia(input, { ...init, redirect: 'manual' });
  }) as typeof fetch;
}
