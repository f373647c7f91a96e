import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROBOT_CODE, signedHeaders, waitFor, type CallbackOverrides, type ChatCompletionRequest } from '@dtbot/testkit';
import { APP_SECRET, System } from '../harness/start-system.js';

const SALES = { appKey: 'dingsalesrobot', appSecret: 'sales-robot-secret' };
const lastUserText = (body: ChatCompletionRequest) => String(body.messages?.at(-1)?.content);

/**
 * Two robots in one deployment: the first from DINGTALK_APP_KEY/SECRET, the second only in
 * ROBOTS_FILE (with its secret), each with its own model and system prompt, the second sharing
 * memory per group.
 */
describe('several robots in one deployment (ROBOTS_FILE)', () => {
  let system: System;
  const dir = mkdtempSync(join(tmpdir(), 'dtbot-robots-e2e-'));

  beforeAll(async () => {
    const robotsFile = join(dir, 'robots.yaml');
    writeFileSync(
      robotsFile,
      [
        'robots:',
        `  - appKey: ${DEFAULT_ROBOT_CODE}`,
        '    name: 助手',
        '    model: model-of-helper',
        '    systemPrompt: 你是通用助手',
        `  - appKey: ${SALES.appKey}`,
        `    appSecret: ${SALES.appSecret}`,
        '    name: 销售',
        '    model: model-of-sales',
        '    systemPrompt: 你是销售助手',
        '    memoryScope: group',
        '',
      ].join('\n'),
    );
    system = await System.start({
      label: 'robots',
      env: { ROBOTS_FILE: robotsFile },
      dingtalk: { credentials: { [DEFAULT_ROBOT_CODE]: APP_SECRET, [SALES.appKey]: SALES.appSecret } },
    });
  });

  afterAll(async () => {
    await system?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const helper = (overrides: CallbackOverrides) => ({ payload: system.message(overrides), secret: APP_SECRET });
  const sales = (overrides: CallbackOverrides) => ({ payload: system.message({ robotCode: SALES.appKey, ...overrides }), secret: SALES.appSecret });
  const requestsAsking = (question: string) => system.openai.requests.filter((r) => lastUserText(r.body) === question).map((r) => r.body);

  /** Posts a message signed by its robot's secret and waits for its answer. */
  async function ask(message: { payload: ReturnType<System['message']>; secret: string }): Promise<void> {
    const answer = `答复: ${String(message.payload.text?.content)}`;
    const answered = () => system.dingtalk.delivered().filter((m) => m.text.startsWith(answer)).length;
    const before = answered();
    expect((await system.post(message.payload, signedHeaders(message.secret))).status).toBe(200);
    await waitFor(() => answered() > before, { timeoutMs: 10_000 });
  }

  it('answers each robot with its own model and system prompt, and dedupes per robot: the same msgId reaches both', async () => {
    const first = helper({ text: 'same message id', senderStaffId: 'twin' });
    const second = sales({ text: 'same message id', senderStaffId: 'twin', msgId: first.payload.msgId });
    await ask(first);
    await ask(second);
    expect(requestsAsking('same message id').map((body) => [body.model, body.messages?.[0]])).toEqual(
      expect.arrayContaining([
        ['model-of-helper', { role: 'system', content: '你是通用助手' }],
        ['model-of-sales', { role: 'system', content: '你是销售助手' }],
      ]),
    );
    // A redelivery to one robot is still a redelivery.
    const jobsBefore = await system.jobCount();
    expect((await system.post(first.payload, signedHeaders(APP_SECRET))).status).toBe(200);
    expect(await system.jobCount()).toBe(jobsBefore);
  });

  it('keeps each robot\'s memory apart, even for the same user in the same chat', async () => {
    await ask(helper({ text: 'my name is Li', senderStaffId: 'li', conversationId: 'cid-shared-chat' }));
    await ask(helper({ text: 'what is my name?', senderStaffId: 'li', conversationId: 'cid-shared-chat' }));
    await ask(sales({ text: 'what is my name, sales?', senderStaffId: 'li', conversationId: 'cid-shared-chat' }));
    expect(requestsAsking('what is my name?')[0]?.messages?.map((m) => m.content)).toEqual([
      '你是通用助手',
      'my name is Li',
      '答复: my name is Li',
      'what is my name?',
    ]);
    expect(requestsAsking('what is my name, sales?')[0]?.messages?.map((m) => m.content)).toEqual(['你是销售助手', 'what is my name, sales?']);
  });

  it('uses each robot\'s memory scope: the group robot shares a group\'s memory, the other keeps each member\'s', async () => {
    const group = (staff: string, text: string) => ({ conversationType: '2' as const, conversationId: 'cid-robots-group', conversationTitle: 'robots', senderStaffId: staff, text });
    await ask(sales(group('alice', 'alice tells sales')));
    await ask(sales(group('bob', 'bob asks sales')));
    await ask(helper(group('alice', 'alice tells helper')));
    await ask(helper(group('bob', 'bob asks helper')));
    expect(requestsAsking('bob asks sales')[0]?.messages?.map((m) => m.content)).toEqual([
      '你是销售助手',
      'alice tells sales',
      '答复: alice tells sales',
      'bob asks sales',
    ]);
    expect(requestsAsking('bob asks helper')[0]?.messages?.map((m) => m.content)).toEqual(['你是通用助手', 'bob asks helper']);
  });

  it('sends through the OpenAPI with each robot\'s own access token and robot code', async () => {
    const expired = { sessionWebhookExpiredTime: Date.now() - 1000 };
    await ask(helper({ text: 'late for helper', senderStaffId: 'late-1', ...expired }));
    await ask(sales({ text: 'late for sales', senderStaffId: 'late-2', ...expired }));
    const sends = system.dingtalk.openApiMessages.map((m) => [m.appKey, m.body.robotCode, m.body.userIds]);
    expect(sends).toEqual(
      expect.arrayContaining([
        [DEFAULT_ROBOT_CODE, DEFAULT_ROBOT_CODE, ['late-1']],
        [SALES.appKey, SALES.appKey, ['late-2']],
      ]),
    );
  });
});
