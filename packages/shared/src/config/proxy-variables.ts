const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'] as const;

/**
 * The proxy variables are set in either case (`http_proxy`, `HTTP_PROXY`); the lower-case one wins
 * when both are, as curl and undici read them.
 */
export function withProxyVariables(env: Record<string, string>): Record<string, string> {
  const result = { ...env };
  for (const name of PROXY_VARIABLES) {
    const lower = env[name.toLowerCase()];
    if (lower !== undefined) result[name] = lower;
  }
  return result;
}
