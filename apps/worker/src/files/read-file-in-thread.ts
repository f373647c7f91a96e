import { Worker } from 'node:worker_threads';
import { WorkerFailure } from '../failures/worker-failure.js';
import type { ExtractedText, ExtractLimits } from './extract-file-text.js';
import type { ThreadAnswer, ThreadInput } from './extract-thread.js';
import { FileUnreadable } from './file-unreadable.js';

export interface FileReaderLimits extends ExtractLimits {
  /** A file not read within this long is given up on: the thread is ended. */
  timeoutMs: number;
  /** The thread's JavaScript heap, at most. */
  maxHeapMb: number;
  /**
   * How much the process' resident memory may grow while a file is read: pdf.js and the zip readers keep
   * inflated data in buffers outside the heap, which the heap limit does not see.
   */
  maxGrowthMb: number;
}

/** How often the process' memory is looked at while a file is read. */
const MEMORY_CHECK_MS = 50;

/**
 * Where the thread's code is: the built `extract-thread.js` beside this module. Tests run this module from its
 * TypeScript source, from which Node cannot start a thread; they start the built one (`npm test` builds first).
 */
export const EXTRACT_THREAD_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/files/extract-thread.js', import.meta.url)
  : new URL('./extract-thread.js', import.meta.url);

/**
 * Reads a file's text in a thread of its own, so a hostile file cannot hold the worker: the thread is ended when
 * it takes longer than `timeoutMs`, runs out of its heap, or the process' memory grows past `maxGrowthMb`; each of
 * those makes the file `too_complex`. A thread that fails for any other reason is a `file_reader_failed` failure.
 */
export function readFileInThread(bytes: Uint8Array, fileName: string, limits: FileReaderLimits, threadUrl: URL = EXTRACT_THREAD_URL): Promise<ExtractedText> {
  const input: ThreadInput = { bytes, fileName, limits: { maxInflatedBytes: limits.maxInflatedBytes, maxChars: limits.maxChars } };
  return new Promise<ExtractedText>((resolve, reject) => {
    const worker = new Worker(threadUrl, {
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    // pdf.js warns about damaged files on the console: not for the worker's log, and never left to pile up unread.
    worker.stdout.resume();
    worker.stderr.resume();
    const startRss = process.memoryUsage.rss();
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watch);
      // Whatever it was doing, it is no longer needed; a thread that already answered ends on its own.
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new FileUnreadable('too_complex', `not read within ${limits.timeoutMs} ms`))), limits.timeoutMs);
    const watch = setInterval(() => {
      const grown = (process.memoryUsage.rss() - startRss) / (1024 * 1024);
      if (grown > limits.maxGrowthMb) finish(() => reject(new FileUnreadable('too_complex', `reading it took more than ${limits.maxGrowthMb} MB`)));
    }, MEMORY_CHECK_MS);
    worker.once('message', (answer: ThreadAnswer) =>
      finish(() => {
        if (answer.kind === 'text') resolve({ text: answer.text, cut: answer.cut });
        else if (answer.kind === 'unreadable') reject(new FileUnreadable(answer.reason, answer.detail));
        else reject(new WorkerFailure('file_reader_failed', `reading the file failed: ${answer.message}`));
      }),
    );
    worker.once('error', (error: Error & { code?: string }) =>
      finish(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new FileUnreadable('too_complex', `reading it took more than a ${limits.maxHeapMb} MB heap`)
            : new WorkerFailure('file_reader_failed', `the file reading thread failed: ${error.message}`, { cause: error }),
        ),
      ),
    );
    worker.once('exit', (code) => finish(() => reject(new WorkerFailure('file_reader_failed', `the file reading thread ended (code ${code}) without an answer`))));
  });
}
