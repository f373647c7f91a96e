/** Keys whose values are credentials wherever they appear in job data or results. */
const SECRET_KEY = /(secret|password|passwd|token|api[-_]?key|authorization|credential|signature|^sign$)/i;
/** Query parameters that carry a credential in a URL: a sessionWebhook's `session`, access tokens, signatures. */
const SECRET_QUERY = /([?&](?:session|access_token|accessToken|token|sign|signature|key|secret)=)[^&\s"'#]+/gi;

export const MASK = '***';

/**
 * A copy of a value with every credential replaced by `***`: values under secret-looking keys, and the credential
 * query parameters of any URL in any string (a sessionWebhook carries its session token in its query, and it can
 * also turn up in an error message). The operator still sees where a webhook points.
 */
export function maskSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(SECRET_QUERY, `$1${MASK}`);
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET_KEY.test(key) && typeof inner === 'string' ? MASK : maskSecrets(inner),
      ]),
    );
  }
  return value;
}
