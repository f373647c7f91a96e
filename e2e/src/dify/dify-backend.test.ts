import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDify, waitFor, type FakeDify } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

const KEY = 'app-e2e-never-logged-7d41';

describe('a Dify app answering, built gateway and worker', () => {
  let system: System | undefined;
  let dify: FakeDify | undefined;

  afterEach(async () => {
    await system?.close();
    await dify?.close();
    system = undefined;
    dify = undefined;
  });

  it('answers through Dify, continues the conversation, and writes the app key into no log line, even when Dify refuses it', async () => {
    dify = await startFakeDify({ apiKey: KEY });
    system = await System.start({
      label: 'dify-e2e',
      workerEnv: { OPENAI_PROVIDER: 'dify', DIFY_BASE_URL: dify.baseUrl, DIFY_API_KEY: KEY, OPENAI_API_KEY: '' },
    });
    const ask = async (text: string) => {
      expect((await system!.post(system!.message({ text, senderStaffId: 'e2e-user', conversationId: 'cid-e2e-dify' }))).status).toBe(200);
      await waitFor(() => system!.dingtalk.delivered().some((message) => message.text.includes(`: ${text}`)), { timeoutMs: 15_000 });
    };
    await ask('第一个问题');
    await ask('第二个问题');
    expect(system.dingtalk.delivered().map((message) => message.text)).toEqual([
      expect.stringContaining('Dify答复(0): 第一个问题'),
      expect.stringContaining('Dify答复(1): 第二个问题'),
    ]);
    expect(dify.requests[1]!.body.conversation_id).toBe([...dify.conversations.keys()][0]);
    expect(system.openai.requests).toHaveLength(0);

    dify.setBehaviour({ status: 401 });
    expect((await system.post(system.message({ text: 'refused', senderStaffId: 'e2e-user', conversationId: 'cid-e2e-dify' }))).status).toBe(200);
    await waitFor(() => system!.dingtalk.delivered().length === 3, { timeoutMs: 15_000 });
    expect(system.dingtalk.delivered()[2]!.text).not.toContain('fake Dify');
    const logged = JSON.stringify([...system.workers.flatMap((worker) => worker.logs), ...system.gateway.logs]);
    expect(logged).toContain('Dify answered 401');
    expect(logged).not.toContain(KEY);
  });
});
