import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep } from './sleep.js';

const settled = (promise: Promise<void>) => {
  const state = { done: false };
  void promise.then(() => {
    state.done = true;
  });
  return state;
};

describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('sleep(1000): pending at 999 ms, resolved at 1000 ms', async () => {
    const wait = settled(sleep(1000));
    await vi.advanceTimersByTimeAsync(999);
    expect(wait.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.done).toBe(true);
  });

  it('an abort during the wait: resolves at once and leaves no timer or listener behind', async () => {
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const wait = settled(sleep(60_000, controller.signal));
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('a signal aborted before the call: resolves at once without a timer', async () => {
    const wait = settled(sleep(60_000, AbortSignal.abort()));
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
  });

  it('a wait that ran out: removes its abort listener, so a later abort finds none', async () => {
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const wait = settled(sleep(10, controller.signal));
    await vi.advanceTimersByTimeAsync(10);
    expect(wait.done).toBe(true);
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
  });
});
