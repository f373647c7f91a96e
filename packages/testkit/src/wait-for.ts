import { sleep } from '@dtbot/shared';

export interface WaitForOptions {
  /** Default 5000. */
  timeoutMs?: number;
  /** Default 20. */
  intervalMs?: number;
  /** Says what was awaited; a function is called only on timeout, so it can describe the state at that moment. */
  message?: string | (() => string);
}

/**
 * Polls `condition` until it returns true. A throwing condition counts as "not yet" (the state it
 * reads may not exist yet); its last error is reported if the wait times out.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 20, message } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await sleep(Math.min(intervalMs, remaining));
  }
  const what = typeof message === 'function' ? message() : (message ?? 'condition');
  const lastMessage = lastError instanceof Error ? lastError.message : String(lastError);
  const cause = lastError === undefined ? '' : ` (last error: ${lastMessage})`;
  throw new Error(`waitFor timed out after ${timeoutMs} ms: ${what}${cause}`);
}
