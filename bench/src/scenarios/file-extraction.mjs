import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from '../apps.mjs';
import { progress } from '../progress.mjs';
import { round } from '../stats.mjs';

const PROBE = fileURLToPath(new URL('../file-extraction-probe.mjs', import.meta.url));
/** Each file as the worker reads it (cut once FILE_MAX_TOKENS' worth of text is kept) and whole. */
const RUNS = [
  ['pdfWorker', 'pdf-worker', 'PDF, as the worker reads'],
  ['pdfWhole', 'pdf-whole', 'PDF, whole'],
  ['docxWorker', 'docx-worker', 'DOCX, as the worker reads'],
  ['docxWhole', 'docx-whole', 'DOCX, whole'],
];

/**
 * 18. Reading files: the time and resident-memory growth of reading a 10 MB PDF and a 5 MB DOCX through the
 * worker's own reader (its thread and limits). Each run in a fresh process: memory a run freed is not given back
 * to the system, and would hide the next one's.
 */
export async function fileExtraction() {
  const result = {};
  for (const [key, run, label] of RUNS) {
    const { stdout } = await promisify(execFile)(process.execPath, [PROBE, run], { cwd: ROOT, timeout: 180_000 });
    const probe = JSON.parse(stdout);
    result[key] = { label, fileMB: round(probe.fileMB), ms: Math.round(probe.ms), rssGrowthMB: Math.round(probe.rssGrowthMB), chars: probe.chars, cut: probe.cut };
    progress(`files: ${label}: ${result[key].fileMB} MB in ${result[key].ms} ms, +${result[key].rssGrowthMB} MB RSS, ${probe.chars} chars${probe.cut ? ' (cut)' : ''}`);
  }
  return result;
}
