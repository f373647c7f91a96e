import type { Admission } from './sliding-window.js';

/** `x-ratelimit-reset-requests` style duration, e.g. `1.5s`. */
export function formatResetDuration(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * The request-limit headers OpenAI sends. On a refusal they carry both retry hints the official SDK
 * reads (`retry-after-ms` first, then `retry-after` in seconds).
 */
export function rateLimitHeaders(limit: number, admission: Admission): Record<string, string> {
  if (!admission.admitted) {
    return {
      'retry-after-ms': String(admission.retryAfterMs),
      'retry-after': String(Math.ceil(admission.retryAfterMs / 1000)),
      'x-ratelimit-limit-requests': String(limit),
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': formatResetDuration(admission.retryAfterMs),
    };
  }
  return {
    'x-ratelimit-limit-requests': String(limit),
    'x-ratelimit-remaining-requests': String(admission.remaining),
    'x-ratelimit-reset-requests': formatResetDuration(admission.resetMs),
  };
}
