import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_PNG, waitFor } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

/** A picture in rich text, from DingTalk's callback to the vision model's request, through the built apps. */
describe('pictures (OPENAI_VISION)', () => {
  let system: System;

  beforeAll(async () => {
    // The fake DingTalk is the worker's API base, so downloads from its origin are allowed.
    system = await System.start({ label: 'pictures', workers: 0, openai: { answer: () => '图里是一个像素。' } });
    await system.addWorker({ OPENAI_VISION: 'true' });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('stores the picture\'s download code, downloads it with the robot\'s token, and asks the model with it', async () => {
    system.dingtalk.addFile('e2e-picture', { body: FAKE_PNG });
    const message = system.message({
      msgtype: 'richText',
      content: { richText: [{ text: '图里是什么？' }, { type: 'picture', downloadCode: 'e2e-picture' }] },
    });
    expect((await system.post(message)).status).toBe(200);
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === '图里是一个像素。'), { timeoutMs: 10_000 });
    expect(system.openai.requests.at(-1)?.body.messages?.at(-1)?.content).toEqual([
      { type: 'text', text: '图里是什么？' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${FAKE_PNG.toString('base64')}` } },
    ]);
    expect(system.dingtalk.fileDownloads).toEqual([{ downloadCode: 'e2e-picture', robotCode: message.robotCode, appKey: message.robotCode }]);
    expect(system.dingtalk.filesServed).toBe(1);
  });
});
