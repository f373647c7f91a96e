import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from '../apps.mjs';
import { progress } from '../progress.mjs';
import { round } from '../stats.mjs';

const PROBE = fileURLToPath(new URL('../token-count-probe.mjs', import.meta.url));
const MODEL = 'gpt-4o-mini';
/** The worker's MEMORY_MAX_TOKENS (apps/worker/src/memory/conversation-memory.ts): a robot's memory budget unless it sets its own. */
const BUDGET = 3000;

/**
 * 6. Token counting: what the worker's real tokenizer costs per message (the question counted before
 * the call, question and answer when they are remembered) against the character estimate it
 * replaced, measured in the same run, and what counting a full memory budget again for every
 * message would cost (remembered turns keep their count instead). Run in a fresh process, so the
 * encoding's load time and memory are its own.
 */
export async function tokenCount() {
  const { stdout } = await promisify(execFile)(process.execPath, [PROBE, MODEL, String(BUDGET)], { cwd: ROOT });
  const probe = JSON.parse(stdout);
  const result = {
    model: probe.model,
    method: probe.method,
    loadMs: round(probe.loadMs),
    loadRssMB: round(probe.loadRssMB),
    perMessageUs: round(probe.perMessageUs),
    estimatePerMessageUs: round(probe.estimatePerMessageUs),
    ratioToEstimate: round(probe.perMessageUs / probe.estimatePerMessageUs),
    budgetTokens: BUDGET,
    historyTurns: probe.historyTurns,
    historyRecountUs: round(probe.historyRecountUs),
    sampleQuestion: probe.sampleQuestion,
    sampleAnswer: probe.sampleAnswer,
  };
  progress(
    `token count: ${result.perMessageUs} µs per message with ${result.method} (estimate ${result.estimatePerMessageUs} µs); ` +
      `recounting a ${BUDGET}-token history would add ${result.historyRecountUs} µs; load ${result.loadMs} ms, ${result.loadRssMB} MB`,
  );
  return result;
}
