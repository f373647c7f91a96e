import { describe, expect, it } from 'vitest';
import { messageJobOptions } from './job-options.js';

describe('messageJobOptions', () => {
  it('bounds failed and completed jobs by count as well as by age: Redis evicts nothing, so age alone is no bound', () => {
    const options = messageJobOptions(3);
    expect(options.removeOnFail).toEqual({ age: 7 * 86_400, count: 5_000 });
    expect(options.removeOnComplete).toEqual({ age: 3600, count: 10_000 });
  });
});
