import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileText, timed } from '@dtbot/hostile-text';
import { toolArguments } from './tool-arguments.js';

describe('toolArguments', () => {
  it('takes a JSON object, and empty text as no arguments', () => {
    expect(toolArguments('{"city":"杭州","days":3}')).toEqual({ city: '杭州', days: 3 });
    expect(toolArguments('  ')).toEqual({});
  });

  it('refuses what is not a JSON object: other JSON, broken JSON, text', () => {
    for (const text of ['[1,2]', '"text"', '42', 'null', '{"city":', 'city=杭州']) expect(toolArguments(text), text).toBeUndefined();
  });

  it('keeps every value of an object it is given, and ends quickly on any text', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        expect(toolArguments(JSON.stringify(object))).toEqual(JSON.parse(JSON.stringify(object)));
      }),
    );
    fc.assert(
      fc.property(hostileText({ maxLength: 20_000 }), (text) => {
        const { value, ms } = timed(() => toolArguments(text));
        expect(ms).toBeLessThan(200);
        expect(value === undefined || (typeof value === 'object' && !Array.isArray(value))).toBe(true);
      }),
    );
  });
});
