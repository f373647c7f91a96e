import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { robotMetricLabel } from './robot-metric-label.js';

describe('robotMetricLabel', () => {
  it('a robot with a name is labelled by its name', () => {
    expect(robotMetricLabel('dingabcdefghijklmnop', '销售助手')).toBe('销售助手');
  });

  it('a robot without a name gets robot- and 8 hex digits, the same every time, without its AppKey', () => {
    const label = robotMetricLabel('dingabcdefghijklmnop');
    expect(label).toMatch(/^robot-[0-9a-f]{8}$/);
    expect(robotMetricLabel('dingabcdefghijklmnop', '  ')).toBe(label);
    expect(robotMetricLabel('dingothersomething')).not.toBe(label);
  });

  it('any robot code: a short fixed-form label that never contains the code (when longer than the 8 digits)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (robotCode) => {
        const label = robotMetricLabel(robotCode);
        expect(label).toMatch(/^robot-[0-9a-f]{8}$/);
        if (robotCode.length > 8) expect(label).not.toContain(robotCode);
        expect(robotMetricLabel(robotCode)).toBe(label);
      }),
      { numRuns: 200 },
    );
  });
});
