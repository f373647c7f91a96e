import { describe, expect, it } from 'vitest';
import { parseMonitorLine } from './monitor-lines.js';

describe('parseMonitorLine', () => {
  it('reads the source and the arguments, undoing Redis\' escapes, bytes as UTF-8', () => {
    const line = '+1796650540.890053 [0 127.0.0.1:35720] "set" "{p}:k \\"q\\"" "\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd\\n\\\\"';
    expect(parseMonitorLine(line)).toEqual({ source: '127.0.0.1:35720', args: ['set', '{p}:k "q"', '你好\n\\'] });
    expect(parseMonitorLine('+1796650540.890053 [0 lua] "HGET" "k" ""')).toEqual({ source: 'lua', args: ['HGET', 'k', ''] });
    expect(parseMonitorLine('+1796650540.890053 [0 unix:/tmp/redis.sock] "TIME"')).toEqual({ source: 'unix:/tmp/redis.sock', args: ['TIME'] });
  });

  it('gives nothing for a line that is not a monitored command', () => {
    expect(parseMonitorLine('+OK')).toBeUndefined();
    expect(parseMonitorLine('')).toBeUndefined();
  });
});
