import { afterEach, describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@dtbot/testkit';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Priority lanes through the real worker: a backlog is stored while the workers are paused, exactly as the gateway
// stores it (lane and priority from the same settings), then the workers start and the fake DingTalk shows the order.
let harness: WorkerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const userText = (body: ChatCompletionRequest) => String(body.messages?.at(-1)?.content);

async function backlogOf(h: WorkerHarness, count: number): Promise<Promise<unknown>[]> {
  const settled: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    // Each in a chat of their own, and a few with a second question: fairness puts those behind every first.
    const sender = `member-${i % Math.ceil(count * 0.8)}`;
    settled.push((await h.send(h.message({ text: `backlog ${i}`, senderStaffId: sender }))).settled);
  }
  return settled;
}

describe('priority lanes', () => {
  it('answers a VIP\'s question, an admin\'s and a command before a backlog stored ahead of them', async () => {
    harness = await startWorkerHarness({ label: 'lanes-overtake', env: { VIP_USERS: 'vip', ADMIN_USERS: 'admin' }, concurrency: 1, paused: true });
    const backlog = await backlogOf(harness, 30);
    const vip = await harness.send(harness.message({ text: 'vip question', senderStaffId: 'vip' }));
    const admin = await harness.send(harness.message({ text: 'admin question', senderStaffId: 'admin' }));
    const command = await harness.send(harness.message({ text: '/help', senderStaffId: 'commander' }));
    harness.resume();
    await Promise.all([...backlog, vip.settled, admin.settled, command.settled]);

    const order = harness.dingtalk.delivered().map((message) => message.text);
    expect(order).toHaveLength(33);
    // One slot, so the order of answers is the order of service: the three of the priority lane first, in arrival order.
    expect(order[0]).toBe('答复: vip question');
    expect(order[1]).toBe('答复: admin question');
    expect(order[2]).toContain('使用说明');
    expect(order.slice(3).every((text) => text.startsWith('答复: backlog'))).toBe(true);
  });

  it('keeps a VIP\'s thread in order, each answer seeing the one before, while the thread overtakes the backlog', async () => {
    harness = await startWorkerHarness({ label: 'lanes-thread', env: { VIP_USERS: 'vip' }, concurrency: 4, paused: true });
    const backlog = await backlogOf(harness, 40);
    const thread = ['vip one', 'vip two', 'vip three'];
    const sent = [];
    for (const text of thread) sent.push(await harness.send(harness.message({ text, senderStaffId: 'vip' })));
    harness.resume();
    await Promise.all([...backlog, ...sent.map((message) => message.settled)]);

    const order = harness.dingtalk.delivered().map((message) => message.text);
    const places = thread.map((text) => order.indexOf(`答复: ${text}`));
    expect(places).toEqual([...places].sort((a, b) => a - b));
    // Each question of the thread waits for the one before (four slots serve the backlog meanwhile), yet the
    // thread's last answer comes before most of the 40.
    expect(places[2]).toBeLessThan(20);
    const third = harness.openai.requests.map((request) => request.body).find((body) => userText(body) === 'vip three');
    expect(third?.messages?.map((message) => message.content)).toEqual(['vip one', '答复: vip one', 'vip two', '答复: vip two', 'vip three']);
  });

  it('keeps a flooding VIP from holding back another VIP: the lane is fair between conversations too', async () => {
    harness = await startWorkerHarness({ label: 'lanes-fair', env: { VIP_USERS: 'flooder,other' }, concurrency: 1, paused: true });
    const backlog = await backlogOf(harness, 10);
    const flood = [];
    for (let i = 0; i < 8; i += 1) flood.push(await harness.send(harness.message({ text: `flood ${i}`, senderStaffId: 'flooder' })));
    const other = await harness.send(harness.message({ text: 'other vip', senderStaffId: 'other' }));
    harness.resume();
    await Promise.all([...backlog, ...flood.map((message) => message.settled), other.settled]);

    const order = harness.dingtalk.delivered().map((message) => message.text);
    // The flood's first question and the other VIP's are each their conversation's first: both before the rest of the flood.
    expect(order.slice(0, 2)).toEqual(['答复: flood 0', '答复: other vip']);
    expect(order.slice(2, 9)).toEqual(Array.from({ length: 7 }, (_, i) => `答复: flood ${i + 1}`));
  });
});
