import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFetch } from './model-fetch.js';

// modelFetch under the official SDK against a real server on 127.0.0.1: an answer in one piece, one streamed, an
// error with its headers, a timeout, a refused connection, a stop mid-stream, and what reached the server.
let server: Server;
let origin: string;
const seen: { method: string; path: string; body: string; auth: string | undefined }[] = [];
/** Responses still open (a stream left hanging), ended at close. */
const open = new Set<ServerResponse>();

function chunk(content: string): string {
  return `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (part: string) => (body += part));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', path: request.url ?? '', body, auth: request.headers.authorization });
      const { stream, messages } = JSON.parse(body || '{}') as { stream?: boolean; messages?: { content: string }[] };
      const question = messages?.[0]?.content ?? '';
      if (question === 'busy') {
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7', 'x-request-id': 'req-1' });
        response.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit' } }));
        return;
      }
      if (question === 'hang') {
        open.add(response);
        return;
      }
      if (stream) {
        open.add(response);
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const pieces = question === 'endless' ? Array.from({ length: 1000 }, (_, i) => `${i} `) : ['你好', '，', 'world'];
        let i = 0;
        const next = () => {
          if (response.destroyed) return;
          if (i < pieces.length) {
            response.write(chunk(pieces[i]!));
            i += 1;
            setTimeout(next, question === 'endless' ? 5 : 0);
            return;
          }
          response.end('data: [DONE]\n\n');
          open.delete(response);
        };
        next();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-2' });
      response.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: `答：${question}` }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of open) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const direct = { configured: false, proxyFor: () => undefined };
const client = (baseURL = `${origin}/v1`, timeout = 5000) =>
  new OpenAI({ apiKey: 'sk-test', baseURL, fetch: modelFetch(direct), maxRetries: 0, timeout });
const ask = (content: string) => ({ model: 'm', messages: [{ role: 'user' as const, content }] });

describe('modelFetch under the OpenAI SDK', () => {
  it('an answer in one piece: the SDK reads it, its request id and usage; the server saw the key and the body', async () => {
    seen.length = 0;
    const { data, request_id } = await client().chat.completions.create(ask('一加一')).withResponse();
    expect(data.choices[0]!.message.content).toBe('答：一加一');
    expect(data.usage?.total_tokens).toBe(5);
    expect(request_id).toBe('req-2');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', auth: 'Bearer sk-test' });
    expect(JSON.parse(seen[0]!.body)).toEqual(ask('一加一'));
  });

  it('a streamed answer: every piece in order, multi-byte text whole', async () => {
    const stream = await client().chat.completions.create({ ...ask('stream'), stream: true });
    const pieces: string[] = [];
    for await (const part of stream) pieces.push(part.choices[0]?.delta.content ?? '');
    expect(pieces.join('')).toBe('你好，world');
  });

  it('an error status: the SDK\'s error of that status, with the answer\'s headers', async () => {
    const failed = await client().chat.completions.create(ask('busy')).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(RateLimitError);
    expect((failed as RateLimitError).headers.get('retry-after')).toBe('7');
    expect((failed as RateLimitError).requestID).toBe('req-1');
  });

  it('no answer within the timeout: the SDK\'s timeout error', async () => {
    await expect(client(`${origin}/v1`, 200).chat.completions.create(ask('hang'))).rejects.toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('a refused connection: the SDK\'s connection error, not a timeout', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failed = await client(`http://127.0.0.1:${port}/v1`).chat.completions.create(ask('anyone?')).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(APIConnectionError);
    expect(failed).not.toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('a stream stopped by its caller: the SDK ends it quietly, as with fetch, and the connection to the server is closed', async () => {
    const controller = new AbortController();
    const stream = await client().chat.completions.create({ ...ask('endless'), stream: true }, { signal: controller.signal });
    const closedBefore = open.size;
    let pieces = 0;
    const read = (async () => {
      for await (const part of stream) {
        void part;
        pieces += 1;
        if (pieces === 3) controller.abort();
      }
    })();
    await read;
    expect(pieces).toBeLessThan(10);
    // The server sees its response's socket closed.
    const response = [...open].at(-1)!;
    await new Promise<void>((resolve) => (response.destroyed ? resolve() : response.once('close', () => resolve())));
    expect(closedBefore).toBeGreaterThan(0);
  });

  it('a body that is not a string goes through fetch, with the same answer', async () => {
    seen.length = 0;
    const send = modelFetch(direct);
    const answer = await send(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new TextEncoder().encode(JSON.stringify(ask('bytes'))),
    });
    expect(answer).toBeInstanceOf(Response);
    expect(((await answer.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('答：bytes');
  });
});
