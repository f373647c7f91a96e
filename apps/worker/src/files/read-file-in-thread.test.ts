import { docxWith, pdfWith } from '@dtbot/testkit';
import { describe, expect, it } from 'vitest';
import { WorkerFailure } from '../failures/worker-failure.js';
import { createFileReader, fileReaderLimits } from './file-reader.js';
import { FileUnreadable } from './file-unreadable.js';
import { readFileInThread } from './read-file-in-thread.js';

// The thread is the built one (dist/files/extract-thread.js): npm test builds before it tests.
const limits = fileReaderLimits(8000);

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => expect.fail('expected the read to fail'),
    (error: unknown) => error,
  );
}

describe('readFileInThread', () => {
  it('reads a file in a thread of its own', async () => {
    expect(await readFileInThread(docxWith(['第一段', '第二段']), 'a.docx', limits)).toEqual({ text: '第一段\n\n第二段', cut: false });
  });

  it('passes on why the file cannot be read', async () => {
    const error = await failureOf(readFileInThread(pdfWith(['x'], { encrypted: true }), 'a.pdf', limits));
    expect(error).toBeInstanceOf(FileUnreadable);
    expect((error as FileUnreadable).reason).toBe('encrypted');
  });

  it('ends the thread of a file not read in time: too complex', async () => {
    const error = await failureOf(readFileInThread(pdfWith(['slow']), 'a.pdf', { ...limits, timeoutMs: 1 }));
    expect((error as FileUnreadable).reason).toBe('too_complex');
    expect((error as FileUnreadable).message).toContain('not read within 1 ms');
  });

  it('ends a thread whose heap runs out: too complex', async () => {
    // Fifty thousand paragraphs: mammoth's document tree of them does not fit in 16 MB.
    const large = docxWith(Array.from({ length: 50_000 }, (_, i) => `段落 ${i} ${'内容'.repeat(20)}`));
    const error = await failureOf(readFileInThread(large, 'large.docx', { ...limits, maxHeapMb: 16, timeoutMs: 60_000 }));
    expect((error as FileUnreadable).reason).toBe('too_complex');
    expect((error as FileUnreadable).message).toContain('16 MB heap');
  });

  it('is a retryable file_reader_failed when the thread cannot start', async () => {
    const error = await failureOf(readFileInThread(Buffer.from('x'), 'a.txt', limits, new URL('./no-such-thread.js', import.meta.url)));
    expect(error).toBeInstanceOf(WorkerFailure);
    expect((error as WorkerFailure).code).toBe('file_reader_failed');
    expect((error as WorkerFailure).kind).toBe('retryable');
  });
});

describe('createFileReader', () => {
  it('reads one file at a time, in the order asked, a failure not stopping the next', async () => {
    const reader = createFileReader(limits);
    const finished: string[] = [];
    const reads = [
      reader.read(docxWith(['一']), 'a.docx').then(() => finished.push('a')),
      reader.read(Buffer.from('x'), 'b.zip').catch(() => finished.push('b')),
      reader.read(Buffer.from('三'), 'c.txt').then(() => finished.push('c')),
    ];
    await Promise.all(reads);
    expect(finished).toEqual(['a', 'b', 'c']);
  });
});
