import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractFile, MAX_FILE_NAME_LENGTH } from './extract-file.js';

describe('extractFile', () => {
  it('reads a file message\'s download code and name', () => {
    expect(extractFile({ msgtype: 'file', content: { downloadCode: ' c1 ', fileName: '报价单.xlsx', fileId: 'x', spaceId: '1' } })).toEqual({
      downloadCode: 'c1',
      fileName: '报价单.xlsx',
    });
  });

  it('reads the file a text replies to, marked quoted', () => {
    const text = { content: '多少钱？', isReplyMsg: true, repliedMsg: { msgType: 'file', content: { downloadCode: 'q1', fileName: 'a.pdf' } } };
    expect(extractFile({ msgtype: 'text', text })).toEqual({ downloadCode: 'q1', fileName: 'a.pdf', quoted: true });
  });

  it('finds none without a download code, in a quote of another kind, or when the reply flag says no', () => {
    expect(extractFile({ msgtype: 'file', content: { fileName: 'a.pdf' } })).toBeUndefined();
    expect(extractFile({ msgtype: 'file', content: { downloadCode: '  ', fileName: 'a.pdf' } })).toBeUndefined();
    expect(extractFile({ msgtype: 'file' })).toBeUndefined();
    expect(extractFile({ msgtype: 'text', text: { content: 'x', repliedMsg: { msgType: 'text', content: { downloadCode: 'c' } } } })).toBeUndefined();
    expect(extractFile({ msgtype: 'text', text: { content: 'x', isReplyMsg: false, repliedMsg: { msgType: 'file', content: { downloadCode: 'c' } } } })).toBeUndefined();
    expect(extractFile({ msgtype: 'text', text: { content: 'x', repliedMsg: { msgType: 'file', content: 'c' } } })).toBeUndefined();
  });

  it('keeps a name without one as empty, and cuts a long one', () => {
    expect(extractFile({ msgtype: 'file', content: { downloadCode: 'c', fileName: 42 } })).toEqual({ downloadCode: 'c', fileName: '' });
    expect(extractFile({ msgtype: 'file', content: { downloadCode: 'c', fileName: 'x'.repeat(10_000) } })?.fileName).toHaveLength(MAX_FILE_NAME_LENGTH);
  });

  it('on hostile names and codes: quick, the code kept (trimmed) and the name\'s start kept', () => {
    fc.assert(
      fc.property(hostileText({ maxLength: 20_000 }), hostileText({ maxLength: 20_000 }), (code, name) => {
        const { value: file, ms } = timed(() => extractFile({ msgtype: 'file', content: { downloadCode: code, fileName: name } }));
        expect(ms).toBeLessThan(100);
        if (code.trim() === '') expect(file).toBeUndefined();
        else expect(file).toEqual({ downloadCode: code.trim(), fileName: name.slice(0, MAX_FILE_NAME_LENGTH) });
      }),
      { numRuns: 100 },
    );
  });
});
