/**
 * Delays a fake server's handlers wait on, all cancelled when the fake closes, so no handler outlives `close()`:
 * `delay` resolves true when its time is up, false when `cancelAll` came first.
 */
export function cancellableDelays(): { delay(ms: number): Promise<boolean>; cancelAll(): void } {
  const pending = new Set<() => void>();
  return {
    delay: (ms) =>
      new Promise<boolean>((resolve) => {
        const cancel = () => {
          clearTimeout(timer);
          resolve(false);
        };
        const timer = setTimeout(() => {
          pending.delete(cancel);
          resolve(true);
        }, ms);
        pending.add(cancel);
      }),
    cancelAll: () => {
      for (const cancel of pending) cancel();
      pending.clear();
    },
  };
}
