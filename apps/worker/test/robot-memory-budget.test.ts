import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROBOT_CODE } from '@dtbot/testkit';
import { MEMORY_MAX_TOKENS } from '../src/memory/conversation-memory.js';
import { createTokenCounter } from '../src/tokens/token-counter.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// A robot's memory budget is its ROBOTS_FILE entry's memoryMaxTokens; a robot without one has MEMORY_MAX_TOKENS.
const question = (n: number) => `第${n}个问题：请详细说明杭州今天下午的天气情况，包括气温、风力和是否需要带伞。`;
// The harness' model, counted as the worker counts it: a budget with room for one exchange and not two.
const counter = createTokenCounter('fake-model');
const exchange = counter.message(question(1)) + counter.message(`答复: ${question(1)}`);
const budget = Math.max(100, exchange + 5);
const dir = mkdtempSync(join(tmpdir(), 'dtbot-memory-budget-'));
let harness: WorkerHarness;

beforeAll(async () => {
  const robotsFile = join(dir, 'robots.yaml');
  writeFileSync(
    robotsFile,
    ['robots:', `  - appKey: ${DEFAULT_ROBOT_CODE}`, `    memoryMaxTokens: ${budget}`, '  - appKey: dingroomy', '    appSecret: roomy-secret', ''].join('\n'),
  );
  harness = await startWorkerHarness({ label: 'memory-budget', env: { ROBOTS_FILE: robotsFile } });
});

afterAll(async () => {
  await harness?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The user turns the model was sent for each of three questions asked in a row of one robot. */
async function askThree(robotCode: string): Promise<string[]> {
  for (const n of [1, 2, 3]) {
    const message = harness.message({ text: question(n), senderStaffId: `asker-${robotCode}`, robotCode });
    expect(await (await harness.send(message)).settled).toBe('completed');
  }
  const last = harness.openai.requests.at(-1)!;
  return (last.body.messages ?? []).filter((m) => m.role === 'user').map((m) => String(m.content));
}

describe('memory budget per robot', () => {
  it('a robot with memoryMaxTokens remembers only what fits in it', async () => {
    expect(budget * 2).toBeLessThan(MEMORY_MAX_TOKENS);
    expect(await askThree(DEFAULT_ROBOT_CODE)).toEqual([question(2), question(3)]);
  });

  it('a robot without it remembers within MEMORY_MAX_TOKENS', async () => {
    expect(await askThree('dingroomy')).toEqual([question(1), question(2), question(3)]);
  });
});
