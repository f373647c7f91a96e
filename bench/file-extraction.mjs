#!/usr/bin/env node
// `node bench/file-extraction.mjs` (after `pnpm build`): how long reading a file's text takes, and how much the
// process' resident memory grows, for a 10 MB PDF and a 5 MB DOCX made here, through the worker's own reader
// (a thread with its limits). Each file is read twice: as the worker reads it (stopping once FILE_MAX_TOKENS'
// worth of text is kept) and in full (no text bound), the cost of the worst real file of that size.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { docxWith, pdfOfPages } from '@dtbot/testkit';
import { fileReaderLimits } from '../apps/worker/dist/files/file-reader.js';
import { readFileInThread } from '../apps/worker/dist/files/read-file-in-thread.js';

const MB = 1024 * 1024;
const words = ['revenue', 'quarter', 'growth', 'customer', 'contract', 'delivery', 'invoice', 'budget', 'report', 'market'];
const line = () => Array.from({ length: 12 }, () => words[randomInt(words.length)]).join(' ') + ` ${randomInt(1e6)}`;
const hanzi = (length) => String.fromCodePoint(...Array.from({ length }, () => 0x4e00 + randomInt(0x5000)));

function pdfOf(bytes) {
  const pages = [];
  let size = 0;
  while (size < bytes) {
    const page = Array.from({ length: 50 }, line);
    size += page.reduce((sum, text) => sum + text.length + 12, 200);
    pages.push(page);
  }
  return pdfOfPages(pages);
}

function docxOf(bytes) {
  // Random CJK compresses about 1.5:1, so the zip, not its XML, is about `bytes`.
  const paragraphs = Array.from({ length: Math.ceil(bytes / 500) }, () => hanzi(220));
  return docxWith(paragraphs);
}

async function measure(label, bytes, fileName, limits) {
  const before = process.memoryUsage.rss();
  let peak = before;
  const watch = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const started = performance.now();
  const { text, cut } = await readFileInThread(bytes, fileName, limits);
  const ms = performance.now() - started;
  clearInterval(watch);
  peak = Math.max(peak, process.memoryUsage.rss());
  console.log(
    `${label.padEnd(28)} ${(bytes.length / MB).toFixed(1).padStart(5)} MB  ${ms.toFixed(0).padStart(6)} ms  ` +
      `+${((peak - before) / MB).toFixed(0).padStart(4)} MB rss  ${String(text.length).padStart(9)} chars${cut ? ' (cut)' : ''}`,
  );
}

const asWorker = fileReaderLimits(8000);
const whole = { ...asWorker, maxChars: Number.MAX_SAFE_INTEGER, timeoutMs: 120_000 };
const runs = {
  'pdf-worker': () => measure('PDF, as the worker reads', pdfOf(10 * MB), 'report.pdf', asWorker),
  'pdf-whole': () => measure('PDF, whole', pdfOf(10 * MB), 'report.pdf', whole),
  'docx-worker': () => measure('DOCX, as the worker reads', docxOf(5 * MB), 'report.docx', asWorker),
  'docx-whole': () => measure('DOCX, whole', docxOf(5 * MB), 'report.docx', whole),
};

// Each run in a fresh process: memory a run freed is not given back to the system, and would hide the next's.
const only = process.argv[2];
if (only) await runs[only]();
else {
  for (const name of Object.keys(runs)) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name], { stdio: 'inherit' });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
}
