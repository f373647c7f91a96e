import { describe, expect, it } from 'vitest';
import { drainRate, drainWindow } from './drain-rate.js';

describe('drainRate', () => {
  it('is unknown when nothing started in the window', () => {
    expect(drainRate([0, 0, 0])).toBeUndefined();
    expect(drainRate([])).toBeUndefined();
  });

  it('counts from the first second that had a start, without that partial second when there are others', () => {
    // Quiet, then a start late in one second, then 4 a second.
    expect(drainRate([0, 0, 0, 1, 4, 4, 4, 4])).toBe(4);
    expect(drainRate([0, 0, 2, 6])).toBe(4);
  });

  it('keeps a short start as it is', () => {
    expect(drainRate([0, 3])).toBe(3);
    expect(drainRate([0, 2, 4])).toBe(3);
  });

  it('averages over the window, idle seconds included once draining began', () => {
    expect(drainRate([5, 2, 0, 2, 0, 2])).toBe(1.2);
  });
});

describe('drainWindow', () => {
  it('reads the last minute of full seconds, not the current one', () => {
    expect(drainWindow(1_000_500)).toEqual({ from: 940, to: 999 });
  });
});
