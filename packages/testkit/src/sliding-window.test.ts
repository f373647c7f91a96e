import { describe, expect, it } from 'vitest';
import { SlidingWindow } from './sliding-window.js';

describe('SlidingWindow', () => {
  it('admits up to the limit per window and says when a slot frees up', () => {
    const window = new SlidingWindow(1000);
    expect(window.tryAdmit(2, 0)).toMatchObject({ admitted: true, remaining: 1 });
    expect(window.tryAdmit(2, 400)).toMatchObject({ admitted: true, remaining: 0 });
    expect(window.tryAdmit(2, 500)).toEqual({ admitted: false, retryAfterMs: 500 });
    expect(window.tryAdmit(2, 1000)).toMatchObject({ admitted: true });
  });
});
