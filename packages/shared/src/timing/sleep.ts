/**
 * Resolves after `ms`, or at once when `signal` aborts. An abort resolves rather than rejects:
 * the callers that cut a wait short (a shutdown) check their own state after it, and a rejection
 * would make every one of them catch an error that is no error.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });
}
