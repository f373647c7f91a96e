import { parentPort, workerData } from 'node:worker_threads';
import { extractFileText, type ExtractLimits } from './extract-file-text.js';
import { FileUnreadable } from './file-unreadable.js';

/** What the thread is given: the file and its limits. */
export interface ThreadInput {
  bytes: Uint8Array;
  fileName: string;
  limits: ExtractLimits;
}

/** What the thread answers: the text, why the file cannot be read, or that reading failed for another reason. */
export type ThreadAnswer =
  | { kind: 'text'; text: string; cut: boolean }
  | { kind: 'unreadable'; reason: FileUnreadable['reason']; detail: string }
  | { kind: 'failed'; message: string };

// The thread that reads one file (`readFileInThread`): it answers once, then ends.
const input = workerData as ThreadInput;
const answer = await extractFileText(input.bytes, input.fileName, input.limits).then(
  ({ text, cut }): ThreadAnswer => ({ kind: 'text', text, cut }),
  (error: unknown): ThreadAnswer =>
    error instanceof FileUnreadable
      ? { kind: 'unreadable', reason: error.reason, detail: error.message }
      : { kind: 'failed', message: error instanceof Error ? error.message : String(error) },
);
parentPort?.postMessage(answer);
