import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, type ChatCompletionRequest } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

const lastUserText = (body: ChatCompletionRequest) => String(body.messages?.at(-1)?.content);

describe('MEMORY_SCOPE', () => {
  let system: System | undefined;

  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  async function ask(s: System, message: ReturnType<System['groupMessage']>) {
    expect((await s.post(message)).status).toBe(200);
    const question = String(message.text?.content).trim();
    await waitFor(() => s.openai.requests.some((r) => lastUserText(r.body) === question), { timeoutMs: 10_000 });
    await waitFor(() => s.dingtalk.delivered().some((m) => m.text.startsWith(`答复: ${question}`)), { timeoutMs: 10_000 });
    return s.openai.requests.find((r) => lastUserText(r.body) === question)!.body.messages?.map((m) => m.content);
  }

  it('group: every member of a group shares one memory', async () => {
    system = await System.start({ label: 'scope-group', env: { MEMORY_SCOPE: 'group' } });
    await ask(system, system.groupMessage({ text: 'alice says hi', senderStaffId: 'alice', conversationTitle: 'shared' }));
    expect(await ask(system, system.groupMessage({ text: 'bob follows up', senderStaffId: 'bob', conversationTitle: 'shared' }))).toEqual([
      'alice says hi',
      '答复: alice says hi',
      'bob follows up',
    ]);
  });

  it('none: every question stands alone', async () => {
    system = await System.start({ label: 'scope-none', env: { MEMORY_SCOPE: 'none' } });
    await ask(system, system.groupMessage({ text: 'first alone', senderStaffId: 'carol' }));
    expect(await ask(system, system.groupMessage({ text: 'second alone', senderStaffId: 'carol' }))).toEqual(['second alone']);
  });
});
