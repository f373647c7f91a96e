import type { ExtractedText } from './extract-file-text.js';
import { readFileInThread, type FileReaderLimits } from './read-file-in-thread.js';

/** Reads the text of files users send, one at a time per process. */
export interface FileReader {
  readonly limits: FileReaderLimits;
  read(bytes: Uint8Array, fileName: string): Promise<ExtractedText>;
}

/**
 * The time and memory limits of reading one file: room for a large real file on a slow machine, not for a hostile
 * one. A 10 MB PDF took 2 s and 70 MB, a 5 MB DOCX 5 s and 134 MB on a shared 2-core machine (docs/benchmarks.md).
 */
export const FILE_READ_TIMEOUT_MS = 20_000;
export const FILE_READ_HEAP_MB = 256;
export const FILE_READ_GROWTH_MB = 384;

/**
 * Bytes all entries of a DOCX, XLSX or PPTX may inflate to. Office XML inflates about tenfold; pictures inside
 * hardly at all, so a 20 MiB file of text and pictures stays well within it, and a zip bomb is stopped there.
 */
export const FILE_INFLATED_MAX_BYTES = 128 * 1024 * 1024;

/**
 * Characters of a file's text kept per token of `FILE_MAX_TOKENS`: a token is about one CJK character or four of
 * English; six leave room for code and numbers, and the tokenizer cuts the rest exactly.
 */
export const FILE_CHARS_PER_TOKEN = 6;

/** The limits of reading one file, for a conversation that takes `maxTokens` of it. */
export function fileReaderLimits(maxTokens: number): FileReaderLimits {
  return {
    maxInflatedBytes: FILE_INFLATED_MAX_BYTES,
    maxChars: maxTokens * FILE_CHARS_PER_TOKEN,
    timeoutMs: FILE_READ_TIMEOUT_MS,
    maxHeapMb: FILE_READ_HEAP_MB,
    maxGrowthMb: FILE_READ_GROWTH_MB,
  };
}

/**
 * One file read at a time per process, each in its own thread (`readFileInThread`): reading is the heaviest
 * thing a worker does, and two hostile files at once would double the memory it may take. Others wait in order.
 */
export function createFileReader(limits: FileReaderLimits): FileReader {
  let last: Promise<unknown> = Promise.resolve();
  return {
    limits,
    read(bytes, fileName) {
      const run = last.then(() => readFileInThread(bytes, fileName, limits));
      last = run.catch(() => undefined);
      return run;
    },
  };
}
