// `node bench/src/file-extraction-probe.mjs <run>` (after `pnpm build`; the `files` scenario starts it, one fresh
// process per run): how long reading a file's text takes, and how much the process' resident memory grows, for a
// 10 MB PDF or a 5 MB DOCX made here, through the worker's own reader (a thread with its limits). Each file is read
// twice, in two runs: as the worker reads it (stopping once FILE_MAX_TOKENS' worth of text is kept) and in full
// (no text bound), the cost of the worst real file of that size. Prints one JSON line.
import { randomInt } from 'node:crypto';
import { docxWith, pdfOfPages } from '@dtbot/testkit';
import { fileReaderLimits } from '../../apps/worker/dist/files/file-reader.js';
import { readFileInThread } from '../../apps/worker/dist/files/read-file-in-thread.js';

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

/** FILE_MAX_TOKENS' default. */
const FILE_TOKENS = 8000;

async function measure(bytes, fileName, limits) {
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
  return { fileMB: bytes.length / MB, ms, rssGrowthMB: (peak - before) / MB, chars: text.length, cut: Boolean(cut) };
}

const asWorker = fileReaderLimits(FILE_TOKENS);
const whole = { ...asWorker, maxChars: Number.MAX_SAFE_INTEGER, timeoutMs: 120_000 };
const runs = {
  'pdf-worker': () => measure(pdfOf(10 * MB), 'report.pdf', asWorker),
  'pdf-whole': () => measure(pdfOf(10 * MB), 'report.pdf', whole),
  'docx-worker': () => measure(docxOf(5 * MB), 'report.docx', asWorker),
  'docx-whole': () => measure(docxOf(5 * MB), 'report.docx', whole),
};

const run = runs[process.argv[2]];
if (!run) throw new Error(`usage: file-extraction-probe.mjs ${Object.keys(runs).join('|')}`);
process.stdout.write(`${JSON.stringify(await run())}\n`);
