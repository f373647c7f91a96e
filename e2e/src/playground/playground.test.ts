import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, waitFor } from '@dtbot/testkit';
import { spawnApp, type RunningApp } from '../harness/spawn-app.js';
import { System } from '../harness/start-system.js';

/**
 * The playground as a newcomer uses it: a real Chromium on the page of gateway A, the built worker answering with the
 * fake model and handing its answers through Redis to whichever gateway holds the page: gateway A here, beside a
 * gateway B that runs its own playground on the same Redis.
 */
describe('playground in a browser', () => {
  let system: System;
  let pageGateway: RunningApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // Gateway B hears every answer's nudge too, and holds no page: the answers still reach A's.
    system = await System.start({ label: 'playground', workers: 0, gatewayEnv: { PLAYGROUND: 'true' } });
    pageGateway = await spawnApp('gateway', { ...system.env, PORT: '0', PLAYGROUND: 'true' }, /gateway listening/);
    await system.addWorker();
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1180, height: 760 }, locale: 'zh-CN' });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await pageGateway?.stop();
    await system?.close();
  });

  async function say(text: string): Promise<void> {
    await page.locator('#composer-text').fill(text);
    await page.locator('#composer-text').press('Enter');
  }

  const answers = () => page.locator('.message.answer .bubble');

  it('sends a question and shows the model\'s answer as it arrives', async () => {
    expect((await page.goto(`http://127.0.0.1:${pageGateway.port}/playground`))?.status()).toBe(200);
    await page.locator('#connection[data-state="live"]').waitFor();
    await page.locator('#user-nick').fill('Alice');
    await page.locator('#user-staff-id').fill('alice');
    await page.locator('#user-staff-id').press('Tab');

    await say('hello playground');
    await answers().filter({ hasText: '答复: hello playground' }).waitFor();
    expect(await page.locator('.message.question .bubble').last().textContent()).toBe('hello playground');
  });

  it('shows the robot @-mentioned in a group question and the asker @-mentioned in its answer', async () => {
    await page.locator('[data-chat="group:产品讨论群"]').click();
    await say('hi group');
    const answer = answers().filter({ hasText: '答复: hi group' });
    await answer.waitFor();
    expect(await answer.locator('.mention').textContent()).toBe('@Alice');
    expect(await page.locator('.message.question .bubble').last().textContent()).toBe('@dtbot hi group');
    if (process.env.PLAYGROUND_SCREENSHOT) await page.screenshot({ path: process.env.PLAYGROUND_SCREENSHOT });
  });

  it('clears the memory on /reset: the next question reaches the model without the earlier turns', async () => {
    await say('/reset');
    await answers().filter({ hasText: '已清空我们的对话记忆' }).waitFor();
    await say('fresh start');
    await answers().filter({ hasText: '答复: fresh start' }).waitFor();
    const last = system.openai.requests.at(-1)!.body.messages?.map((message) => String(message.content)) ?? [];
    expect(last.some((content) => content.includes('fresh start'))).toBe(true);
    expect(last.some((content) => content.includes('hi group'))).toBe(false);
  });

  it('stops an answer being written with the stop button, and says so', async () => {
    system.openai.setBehaviour({ latencyMs: 10_000 });
    try {
      await say('take your time');
      await page.locator('#stop').waitFor({ state: 'visible' });
      await waitFor(() => system.openai.requests.some((request) => JSON.stringify(request.body.messages).includes('take your time')), {
        message: 'the model is asked',
      });
      const pressed = Date.now();
      await page.locator('#stop').click();
      await answers().filter({ hasText: '已停止正在生成的回答' }).waitFor();
      // Nothing was written of the stopped answer (not streamed here): nothing is sent for it but that reply.
      expect(await answers().filter({ hasText: '（已停止）' }).count()).toBe(0);
      expect(Date.now() - pressed).toBeLessThan(5000);
      expect(await page.locator('#typing').isHidden()).toBe(true);
    } finally {
      system.openai.setBehaviour({ latencyMs: undefined });
    }
  });

  it('rates the latest answer with 👍/👎; older answers and the replies to command words get no buttons', async () => {
    await say('rate me');
    const answer = page.locator('.message.answer').filter({ hasText: '答复: rate me' });
    await answer.waitFor();
    await answer.locator('.feedback-good').click();
    await answers().filter({ hasText: '谢谢你的评价' }).waitFor();
    // The thanks is no answer to rate; the rated one is no longer the latest answer.
    expect(await page.locator('.message.answer .feedback').count()).toBe(0);
    await say('rate me too');
    const next = page.locator('.message.answer').filter({ hasText: '答复: rate me too' });
    await next.locator('.feedback-bad').click();
    await answers().filter({ hasText: '谢谢你的评价' }).nth(1).waitFor();
  });
});

describe('playground at start-up', () => {
  let system: System;

  beforeAll(async () => {
    system = await System.start({ label: 'playground-start', workers: 0 });
  });

  afterAll(async () => {
    await system?.close();
  });

  /** The environment of a newcomer: no DingTalk credentials at all. */
  const newcomer = () => {
    const env: Record<string, string> = { ...system.env, PORT: '0' };
    delete env.DINGTALK_APP_KEY;
    delete env.DINGTALK_APP_SECRET;
    return env;
  };

  it('turns the playground on without DingTalk credentials, on loopback only, and says where it is and why', async () => {
    const gateway = await spawnApp('gateway', newcomer(), /gateway listening/);
    try {
      const address = `http://127.0.0.1:${gateway.port}/playground`;
      expect(gateway.logs.find((line) => String(line.msg).startsWith('gateway listening'))?.host).toBe('127.0.0.1');
      await waitFor(() =>
        gateway.logs.some(
          (line) => line.msg === `playground at ${address} (loopback only: no DingTalk credentials are set; set DINGTALK_APP_SECRET to take DingTalk's messages)`,
        ),
      );
      expect((await fetch(address)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });

  it('still stops without DingTalk credentials in production, naming the setting', async () => {
    await expect(spawnApp('gateway', { ...newcomer(), NODE_ENV: 'production' }, /gateway listening/)).rejects.toThrow(
      /exited with 1 before it was ready: gateway: Invalid configuration:\n {2}- DINGTALK_APP_SECRET: is required in HTTP mode \(or set DINGTALK_CREDENTIALS; with NODE_ENV=production the playground does not stand in for it\)/,
    );
  });

  it('warns loudly when PLAYGROUND=true in production', async () => {
    const gateway = await spawnApp('gateway', { ...system.env, PORT: '0', PLAYGROUND: 'true', NODE_ENV: 'production' }, /gateway listening/);
    try {
      await waitFor(() => gateway.logs.some((line) => line.level === 40 && String(line.msg).startsWith('PLAYGROUND=true in production')));
      expect((await fetch(`http://127.0.0.1:${gateway.port}/playground`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });

  it('is off (404) with DingTalk credentials unless PLAYGROUND is true', async () => {
    expect((await fetch(`http://127.0.0.1:${system.gateway.port}/playground`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${system.gateway.port}/playground/api/sessions`, { method: 'POST' })).status).toBe(404);
  });
});
