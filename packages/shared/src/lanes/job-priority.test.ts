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
});
