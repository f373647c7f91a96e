import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, waitFor, type FakeOpenAI } from '@dtbot/testkit';
import { streamCompletion } from './stream-completion.js';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const clientOf = (openai: FakeOpenAI) => new OpenAI({ apiKey: 'sk-test', baseURL: openai.baseURL, maxRetries: 0 });
const body = { model: 'fake-model', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('streamCompletion', () => {
  it('passes each growing draft on, never the reasoning, and returns the whole text with its usage', async () => {
    fake = await startFakeOpenAI({ answer: () => 'one two three four five six', think: 'let me think', stream: { chunks: 8 } });
    const seen: string[] = [];
    const output = await streamCompletion(clientOf(fake), body, (draft) => seen.push(draft()), 5000);
    // Empty while the model thinks; each text once.
    const drafts = [...new Set(seen.filter(Boolean))];

    expect(fake.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(drafts.length).toBeGreaterThan(2);
    expect(drafts.every((draft) => !draft.includes('think'))).toBe(true);
    expect(drafts.every((draft, index) => index === 0 || draft.startsWith(drafts[index - 1]!))).toBe(true);
    expect(drafts.at(-1)).toBe('one two three four five six');
    expect(output.content).toContain('<think>');
    expect(output.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('returns what was written, marked stopped, when stopped mid-answer, and closes the connection (no more tokens)', async () => {
    fake = await startFakeOpenAI({ answer: () => 'a b c d e f g h i j k l', stream: { chunks: 12, intervalMs: 40 } });
    const stop = new AbortController();
    const drafts: string[] = [];
    const output = await streamCompletion(
      clientOf(fake),
      body,
      (draft) => {
        drafts.push(draft());
        if (drafts.length === 3) stop.abort();
      },
      5000,
      stop.signal,
    );
    expect(output.stopped).toBe(true);
    expect(output.usage).toBeUndefined();
    expect(output.content.length).toBeGreaterThan(0);
    expect('a b c d e f g h i j k l'.startsWith(output.content)).toBe(true);
    expect(output.content.length).toBeLessThan('a b c d e f g h i j k l'.length);
    await waitFor(() => fake!.abandoned === 1);
  });

  it('returns nothing written, marked stopped, when stopped before the answer started', async () => {
    fake = await startFakeOpenAI({ latencyMs: 2000 });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const started = Date.now();
    const output = await streamCompletion(clientOf(fake), body, () => undefined, 5000, stop.signal);
    expect(output).toEqual({ content: '', usage: undefined, stopped: true });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails as retryable when the answer does not end in time, instead of returning half of it', async () => {
    fake = await startFakeOpenAI({ answer: () => 'slow answer', stream: { chunks: 4, intervalMs: 200 } });
    const drafts: string[] = [];
    await expect(streamCompletion(clientOf(fake), body, (draft) => drafts.push(draft()), 250)).rejects.toMatchObject({
      kind: 'retryable',
      message: "the model's answer did not end within 250 ms",
    });
    expect(drafts.length).toBeLessThan(4);
  });

  it('assembles the function calls of a streamed reply from their deltas, in the order asked', async () => {
    fake = await startFakeOpenAI({
      answer: () => ({ content: '我查一下', toolCalls: [{ id: 'call_a', name: 'kb__search', arguments: { q: '报价 单' } }, { id: 'call_b', name: 'kb__open', arguments: '{}' }] }),
    });
    const output = await streamCompletion(clientOf(fake), body, () => undefined, 5000);
    expect(output.content).toBe('我查一下');
    expect(output.toolCalls).toEqual([
      { id: 'call_a', name: 'kb__search', arguments: '{"q":"报价 单"}' },
      { id: 'call_b', name: 'kb__open', arguments: '{}' },
    ]);
    expect(output.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('returns no function calls for a plain answer', async () => {
    fake = await startFakeOpenAI({ answer: () => 'plain' });
    expect(await streamCompletion(clientOf(fake), body, () => undefined, 5000)).not.toHaveProperty('toolCalls');
  });
});
