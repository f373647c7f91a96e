import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcpServer, waitFor, type ChatCompletionRequest, type FakeMcpServer } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

/**
 * A worker is SIGKILLed between a tool's result and the model's answer: the worker that takes the job over replays
 * the recorded round, so the tool (which books something) runs once, and the message is answered once.
 */
describe('a worker is killed in the middle of a tool loop', () => {
  let system: System;
  let desk: FakeMcpServer;
  let answerNow = false;

  const toolResults = (body: ChatCompletionRequest) => (body.messages ?? []).filter((message) => message.role === 'tool');

  beforeAll(async () => {
    desk = await startFakeMcpServer({ tools: [{ name: 'book', run: ({ room }) => `booked ${String(room)}` }] });
    system = await System.start({
      label: 'tool-crash',
      workers: 1,
      // Production's locks: the job is taken over within JOB_LOCK_MS + STALL_CHECK_INTERVAL_MS (15 s) of the kill.
      workerEnv: { MCP_SERVERS: `desk=${desk.url}` },
      openai: {
        answer: async (body) => {
          const results = toolResults(body);
          if (results.length === 0) return { toolCalls: [{ id: 'call_book', name: 'desk__book', arguments: { room: 'A1' } }] };
          // The first worker never gets this answer: it is killed while waiting for it.
          await waitFor(() => answerNow, { timeoutMs: 30_000 });
          return `已预订: ${String(results[0]!.content)}`;
        },
      },
    });
  });

  afterAll(async () => {
    await system?.close();
    await desk?.close();
  });

  it('calls the tool once and answers once after a takeover', async () => {
    const ack = await system.post(system.message({ text: '帮我订 A1 会议室' }));
    expect(ack.status).toBe(200);
    // The result is recorded before the model is asked with it: once that request arrives, the round is in Redis.
    await waitFor(() => system.openai.requests.some((request) => toolResults(request.body).length > 0), { timeoutMs: 10_000 });
    expect(await system.workers[0]!.stop('SIGKILL')).toBeNull();
    answerNow = true;
    await system.addWorker();

    await waitFor(() => system.dingtalk.delivered().some((message) => message.text.includes('已预订')), { timeoutMs: 30_000 });
    expect(desk.calls.map((call) => call.tool)).toEqual(['book']);
    expect(system.dingtalk.delivered().filter((message) => message.text.includes('已预订: booked A1'))).toHaveLength(1);
    // The model was asked for tools once: the new worker replayed that turn instead of asking again.
    const asked = system.openai.requests.map((request) => toolResults(request.body).length);
    expect(asked.filter((count) => count === 0)).toHaveLength(1);
    expect((await system.queue.getJobCounts('failed')).failed).toBe(0);
  }, 60_000);
});
