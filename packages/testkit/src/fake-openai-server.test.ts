import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '@dtbot/shared';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai-server.js';
import { waitFor } from './wait-for.js';
import { FAKE_PNG, IMAGE_OUTPUT_TOKENS } from './openai-image-body.js';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface Completion {
  id: string;
  object: string;
  model: string;
  choices: { message: { content: string }; delta: { content?: string }; finish_reason: string | null }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  error: { code: string | null };
}

const json = async (response: Response) => (await response.json()) as Completion;

const chat = (baseURL: string, body: object, path = '/chat/completions') =>
  fetch(`${baseURL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify(body),
  });

const question = (content: string, extra: object = {}) => ({
  model: 'gpt-test',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content },
  ],
  ...extra,
});

describe('startFakeOpenAI', () => {
  it('answers a chat completion with an echo and records the request', async () => {
    fake = await startFakeOpenAI();
    const response = await chat(fake.baseURL, question('你好'));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-test',
      choices: [{ index: 0, message: { role: 'assistant', content: '答复: 你好' }, finish_reason: 'stop' }],
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.authorization).toBe('Bearer sk-test');
    expect(fake.served).toBe(1);
  });

  it('accepts the path without /v1 and a custom async answer', async () => {
    fake = await startFakeOpenAI({ answer: async (body) => `${body.messages?.length} messages` });
    const origin = fake.baseURL.replace(/\/v1$/, '');
    const response = await chat(origin, question('hi'));
    expect((await json(response)).choices[0]?.message.content).toBe('2 messages');
  });

  it('streams chat.completion.chunk events ending with [DONE]', async () => {
    fake = await startFakeOpenAI({ answer: () => '一二三四五六七八' });
    const response = await chat(fake.baseURL, question('x', { stream: true }));
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await response.text()).split('\n\n').filter(Boolean).map((event) => event.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as Completion);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('一二三四五六七八');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('answers without usage, streamed or not, when told to (as some compatible providers do)', async () => {
    fake = await startFakeOpenAI({ omitUsage: true });
    const plain = await json(await chat(fake.baseURL, question('hi')));
    expect(plain.choices[0]?.message.content).toBe('答复: hi');
    expect(plain).not.toHaveProperty('usage');
    const streamed = await chat(fake.baseURL, question('hi', { stream: true, stream_options: { include_usage: true } }));
    const events = (await streamed.text()).split('\n\n').filter(Boolean).map((event) => event.replace(/^data: /, ''));
    expect(events.slice(0, -1).map((event) => JSON.parse(event) as object).filter((chunk) => 'usage' in chunk)).toEqual([]);
  });

  it('sends the usage it is told to, streamed or not, in place of the true counts', async () => {
    const poison = { prompt_tokens: -5, completion_tokens: '3', total_tokens: 1 };
    fake = await startFakeOpenAI({ usage: poison });
    const plain = (await json(await chat(fake.baseURL, question('hi')))) as unknown as { usage: unknown };
    expect(plain.usage).toEqual(poison);
    const streamed = await chat(fake.baseURL, question('hi', { stream: true, stream_options: { include_usage: true } }));
    const events = (await streamed.text()).split('\n\n').filter(Boolean).map((event) => event.replace(/^data: /, ''));
    const usages = events.slice(0, -1).map((event) => JSON.parse(event) as { usage?: unknown }).filter((chunk) => 'usage' in chunk);
    expect(usages.map((chunk) => chunk.usage)).toEqual([poison]);
  });

  it('paces a streamed answer: the chunks asked for, intervalMs apart, usage last when asked for', async () => {
    fake = await startFakeOpenAI({ answer: () => 'abcdef', stream: { chunks: 3, intervalMs: 40 } });
    const startedAt = performance.now();
    const response = await chat(fake.baseURL, question('x', { stream: true, stream_options: { include_usage: true } }));
    const events = (await response.text()).split('\n\n').filter(Boolean).map((event) => event.replace(/^data: /, ''));
    // Role, three pieces, finish, usage: five waits of 40 ms between six events (a reader can only see them later).
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(5 * 40 - 5);
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as Completion);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content).filter(Boolean)).toEqual(['ab', 'cd', 'ef']);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage.completion_tokens).toBeGreaterThan(0);
  });

  it('cuts a streamed answer\'s connection after breakAfter chunks, as a provider that dies mid-answer', async () => {
    fake = await startFakeOpenAI({ answer: () => 'abcdef', stream: { chunks: 3, breakAfter: 2 } });
    const response = await chat(fake.baseURL, question('x', { stream: true }));
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let read = '';
    const failure = await (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return undefined;
        read += new TextDecoder().decode(value);
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(read).toContain('"role":"assistant"');
    expect(read).toContain('"content":"ab"');
    expect(read).not.toContain('[DONE]');
  });

  it('records a stream its reader closed: when, and how many of its pieces and tokens were sent before', async () => {
    // Two Chinese characters a piece, one token each as the fake bills them: 20 tokens in 10 pieces.
    fake = await startFakeOpenAI({ answer: () => '一二三四五六七八九十'.repeat(2), stream: { chunks: 10, intervalMs: 30 } });
    const response = await chat(fake.baseURL, question('长问题', { stream: true }));
    const reader = response.body!.getReader();
    let read = '';
    while (!read.includes('"content":"三四"')) read += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    await waitFor(() => fake!.abandoned === 1);
    const [closed] = fake.abandonments;
    expect(closed).toMatchObject({ question: '长问题', pieces: 10, tokens: { whole: 20 } });
    // At least the two pieces read were sent; not all of them (the reader left 30 ms a piece before the end).
    expect(closed!.piecesSent).toBeGreaterThanOrEqual(2);
    expect(closed!.piecesSent).toBeLessThan(10);
    expect(closed!.tokens.sent).toBe(2 * closed!.piecesSent);
  });

  it('paces a tool-calling turn like an answer, and records it abandoned when its reader closes it', async () => {
    fake = await startFakeOpenAI({ answer: () => ({ toolCalls: [{ name: 'look', arguments: { q: 'x' } }] }), stream: { intervalMs: 40 } });
    const startedAt = performance.now();
    const whole = await (await chat(fake.baseURL, question('x', { stream: true }))).text();
    // Role, the call's three deltas, finish: four waits.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(4 * 40 - 5);
    expect(whole).toContain('"name":"look"');
    const response = await chat(fake.baseURL, question('y', { stream: true }));
    await response.body!.getReader().cancel();
    await waitFor(() => fake!.abandoned === 1);
    expect(fake.abandonments[0]).toMatchObject({ question: 'y', pieces: 3 });
    expect(fake.abandonments[0]!.piecesSent).toBeLessThan(3);
  });

  it('answers 429 with retry hints once rpmLimit requests were admitted in the window', async () => {
    fake = await startFakeOpenAI({ rpmLimit: 2 });
    expect((await chat(fake.baseURL, question('1'))).status).toBe(200);
    const second = await chat(fake.baseURL, question('2'));
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const refused = await chat(fake.baseURL, question('3'));
    expect(refused.status).toBe(429);
    expect(await json(refused)).toEqual({
      error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    const retryAfterMs = Number(refused.headers.get('retry-after-ms'));
    expect(retryAfterMs).toBeGreaterThan(55_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(refused.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
    expect(refused.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?s$/);
    expect(fake.rateLimited).toBe(1);
    expect(fake.served).toBe(2);
    expect(fake.requests).toHaveLength(3);
  });

  it('fails every n-th call and can force a status for all calls', async () => {
    fake = await startFakeOpenAI({ failEvery: { n: 3, status: 500 } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await chat(fake.baseURL, question(String(i)))).status);
    expect(statuses).toEqual([200, 200, 500, 200, 200, 500]);

    fake.setBehaviour({ failEvery: undefined, status: 401 });
    const unauthorised = await chat(fake.baseURL, question('x'));
    expect(unauthorised.status).toBe(401);
    expect((await json(unauthorised)).error.code).toBe('invalid_api_key');
    expect(fake.failed).toBe(3);
  });

  it('delays answers by latencyMs and close() does not wait for a pending delay', async () => {
    fake = await startFakeOpenAI({ latencyMs: 150 });
    const started = Date.now();
    await chat(fake.baseURL, question('slow'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    fake.setBehaviour({ latencyMs: 60_000 });
    const pending = chat(fake.baseURL, question('never')).catch((error: unknown) => error);
    await sleep(50);
    const closing = Date.now();
    await fake.close();
    expect(Date.now() - closing).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    fake = undefined;
  });

  it('serves Azure OpenAI\'s deployment path, recording the deployment, the api-version and the api-key header', async () => {
    fake = await startFakeOpenAI();
    const response = await fetch(`${fake.azureEndpoint}/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'azure-key' },
      body: JSON.stringify(question('你好')),
    });
    expect(response.status).toBe(200);
    expect((await json(response)).choices[0]?.message.content).toBe('答复: 你好');
    expect(fake.requests[0]).toMatchObject({ apiKey: 'azure-key', authorization: undefined, azure: { deployment: 'my-gpt4o', apiVersion: '2024-10-21' } });
  });

  it('answers an Azure path without api-version 404, as Azure does', async () => {
    fake = await startFakeOpenAI();
    const response = await fetch(`${fake.azureEndpoint}/openai/deployments/d/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'k' },
      body: JSON.stringify(question('x')),
    });
    expect(response.status).toBe(404);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses max_tokens with OpenAI\'s unsupported_parameter 400 when told to, and takes max_completion_tokens', async () => {
    fake = await startFakeOpenAI({ refuseMaxTokens: true });
    const refused = await chat(fake.baseURL, question('x', { max_tokens: 100 }));
    expect(refused.status).toBe(400);
    expect((await refused.json()) as unknown).toEqual({
      error: {
        message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'unsupported_parameter',
      },
    });
    expect((await chat(fake.baseURL, question('y', { max_completion_tokens: 100 }))).status).toBe(200);
    expect(fake.failed).toBe(1);
  });

  it('writes the reasoning of a thinking model before the answer', async () => {
    fake = await startFakeOpenAI({ think: '用户在打招呼。' });
    const body = await json(await chat(fake.baseURL, question('你好')));
    expect(body.choices[0]?.message.content).toBe('<think>\n用户在打招呼。\n</think>\n\n答复: 你好');
  });

  it('generates images as base64 for gpt-image models, refusing response_format as OpenAI does', async () => {
    fake = await startFakeOpenAI();
    const post = (body: object) =>
      fetch(`${fake!.baseURL}/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const response = await post({ model: 'gpt-image-1', prompt: '一只猫', size: '1024x1024' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { b64_json?: string; url?: string }[]; usage: { input_tokens: number; output_tokens: number } };
    expect(Buffer.from(body.data[0]!.b64_json!, 'base64')).toEqual(FAKE_PNG);
    expect(body.usage).toMatchObject({ input_tokens: 3, output_tokens: IMAGE_OUTPUT_TOKENS, total_tokens: 3 + IMAGE_OUTPUT_TOKENS });
    expect((await post({ model: 'gpt-image-1', prompt: 'x', response_format: 'url' })).status).toBe(400);
    expect(fake.imageRequests.map((request) => request.body.prompt)).toEqual(['一只猫', 'x']);
    expect(fake.requests).toHaveLength(0);
  });

  it('gives DALL·E images (or any, when told) by a URL it serves', async () => {
    fake = await startFakeOpenAI();
    const response = await fetch(`${fake.baseURL}/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'dall-e-3', prompt: 'a cat' }),
    });
    const { data, ...rest } = (await response.json()) as { data: { url: string; revised_prompt: string }[] };
    expect(data[0]!.revised_prompt).toBe('a cat');
    expect(rest).not.toHaveProperty('usage');
    const image = await fetch(data[0]!.url);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(FAKE_PNG);
    expect((await fetch(`${fake.baseURL}/images/files/0123abcd.png`)).status).toBe(404);
  });

  it('serves images on Azure\'s deployment path too', async () => {
    fake = await startFakeOpenAI({ imageFormat: 'url' });
    const response = await fetch(`${fake.azureEndpoint}/openai/deployments/dalle/images/generations?api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': 'k' },
      body: JSON.stringify({ prompt: 'x' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { url?: string }[] }).data[0]?.url).toMatch(/\.png$/);
    expect(fake.imageRequests[0]?.azure).toEqual({ deployment: 'dalle', apiVersion: '2024-10-21' });
  });

  it('answers with function calls when the answer asks for them, with finish_reason tool_calls', async () => {
    fake = await startFakeOpenAI({ answer: () => ({ toolCalls: [{ id: 'call_1', name: 'kb__search', arguments: { q: 'x' } }] }) });
    const body = (await (await chat(fake.baseURL, question('search'))).json()) as {
      choices: { message: { content: string | null; tool_calls: unknown[] }; finish_reason: string }[];
    };
    expect(body.choices[0]).toMatchObject({
      message: { content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'kb__search', arguments: '{"q":"x"}' } }] },
      finish_reason: 'tool_calls',
    });
    expect(fake.served).toBe(1);
  });
});
