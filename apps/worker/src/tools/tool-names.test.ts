import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileText, timed } from '@dtbot/hostile-text';
import { functionNames, isFunctionName } from './tool-names.js';

describe('functionNames', () => {
  it('names a tool server__tool', () => {
    expect(functionNames([{ server: 'kb', tool: 'retrieval' }, { server: 'ragflow', tool: 'ragflow_retrieval' }])).toEqual([
      'kb__retrieval',
      'ragflow__ragflow_retrieval',
    ]);
  });

  it('makes characters the chat API refuses _ and keeps names apart that then meet', () => {
    expect(functionNames([{ server: 'fs', tool: 'read.file' }, { server: 'fs', tool: 'read/file' }, { server: 'fs', tool: 'read_file' }])).toEqual([
      'fs__read_file',
      'fs__read_file_2',
      'fs__read_file_3',
    ]);
  });

  it('cuts a long name to 64 characters and still keeps two apart', () => {
    const long = 'x'.repeat(100);
    const [first, second] = functionNames([{ server: 's', tool: long }, { server: 's', tool: `${long}y` }]);
    expect(first).toHaveLength(64);
    expect(second).toHaveLength(64);
    expect(first).not.toBe(second);
  });

  it('gives any tool names, however hostile, valid and distinct function names, quickly', () => {
    const servers = fc.constantFrom('a', 'kb', 'x'.repeat(32));
    fc.assert(
      fc.property(fc.array(fc.record({ server: servers, tool: hostileText({ maxLength: 300 }) }), { maxLength: 30 }), (tools) => {
        const { value: names, ms } = timed(() => functionNames(tools));
        expect(ms).toBeLessThan(200);
        expect(names).toHaveLength(tools.length);
        expect(new Set(names).size).toBe(names.length);
        for (const name of names) expect(isFunctionName(name)).toBe(true);
      }),
    );
  });
});
