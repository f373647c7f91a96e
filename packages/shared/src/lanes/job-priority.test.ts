import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JOB_PRIORITY } from '@dtbot/queue';
import { jobPriorityFor } from './job-priority.js';

describe('jobPriorityFor', () => {
  it('puts a conversation\'s first priority-lane message on the plain wait list, its later ones by their load', () => {
    expect([1, 2, 3, 40].map((load) => jobPriorityFor('priority', load))).toEqual([undefined, 2, 3, 40]);
  });

  it('numbers every normal message above every priority-lane message, in the order of their loads', () => {
    const normal = [1, 2, 40].map((load) => jobPriorityFor('normal', load)!);
    expect(normal).toEqual([...normal].sort((a, b) => a - b));
    expect(Math.min(...normal)).toBeGreaterThan(jobPriorityFor('priority', 1_000_000_000)!);
  });

  it('stays within BullMQ\'s priorities whatever the load', () => {
    expect(jobPriorityFor('normal', 1e12)).toBe(MAX_JOB_PRIORITY);
    expect(jobPriorityFor('priority', 1e12)).toBeLessThan(jobPriorityFor('normal', 1)!);
    expect(jobPriorityFor('normal', 0)).toBe(jobPriorityFor('normal', 1));
  });

  it('any load in either lane → the plain wait list or a whole priority from 1 to MAX_JOB_PRIORITY, the lanes apart', () => {
    const load = fc.oneof(fc.integer(), fc.double({ min: -1e15, max: 1e15, noNaN: true }), fc.constantFrom(1_048_575, 1_048_576, 1_048_577, 2 ** 21));
    fc.assert(
      fc.property(load, load, (priorityLoad, normalLoad) => {
        const priority = jobPriorityFor('priority', priorityLoad);
        const normal = jobPriorityFor('normal', normalLoad)!;
        for (const value of [priority ?? 1, normal]) {
          expect(Number.isInteger(value) && value >= 1 && value <= MAX_JOB_PRIORITY).toBe(true);
        }
        expect(priority ?? 0).toBeLessThan(normal);
      }),
      { numRuns: 300 },
    );
  });
});
