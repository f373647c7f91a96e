import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDify, type FakeDify } from './fake-dify-server.js';

let dify: FakeDify | undefined;
afterEach(async () => {
  await dify?.close();
  dify = undefined;
});

async function ask(fake: FakeDify, body: Record<string, unknown>, key = fake.apiKey): Promise<Response> {
  return fetch(`${fake.baseUrl}/chat-messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: {}, response_mode: 'streaming', user: 'u1', conversation_id: '', ...body }),
  });
}

/** The JSON events of a streamed answer, in order. */
async function eventsOf(response: Response): Promise<Array<Record<string, unknown>>> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => JSON.parse(block.slice('data: '.length)) as Record<string, unknown>);
}

describe('fake Dify chat app', () => {
  it('a question → its answer streamed as message events, then message_end with the usage in USD and a new conversation', async () => {
    dify = await startFakeDify();
    const events = await eventsOf(await ask(dify, { query: '你好' }));
    const answer = events.filter((event) => event.event === 'message').map((event) => event.answer).join('');
    expect(answer).toBe('Dify答复(0): 你好');
    const end = events.at(-1)!;
    expect(end).toMatchObject({ event: 'message_end', metadata: { usage: { prompt_tokens: 2, currency: 'USD' } } });
    expect(dify.conversations.get(end.conversation_id as string)?.turns).toEqual([{ query: '你好', answer }]);
  });

  it('the same conversation again → the answer sees the turn before; another user or a forgotten id → 404 Conversation Not Exists', async () => {
    dify = await startFakeDify();
    const [first] = await eventsOf(await ask(dify, { query: 'a' }));
    const id = first!.conversation_id as string;
    const events = await eventsOf(await ask(dify, { query: 'b', conversation_id: id }));
    expect(events.filter((event) => event.event === 'message').map((event) => event.answer).join('')).toBe('Dify答复(1): b');
    const stranger = await ask(dify, { query: 'c', conversation_id: id, user: 'u2' });
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toEqual({ code: 'not_found', message: 'Conversation Not Exists.', status: 404 });
    dify.forget(id);
    expect((await ask(dify, { query: 'd', conversation_id: id })).status).toBe(404);
  });

  it('a wrong key → 401; a status on demand → Dify\'s error body; a stream error → an error event; every request recorded', async () => {
    dify = await startFakeDify();
    expect((await ask(dify, { query: 'x' }, 'app-wrong')).status).toBe(401);
    dify.setBehaviour({ status: 429, retryAfterSeconds: 3 });
    const limited = await ask(dify, { query: 'x' });
    expect([limited.status, limited.headers.get('retry-after'), ((await limited.json()) as { code: string }).code]).toEqual([429, '3', 'too_many_requests']);
    dify.setBehaviour({ status: undefined, streamError: { after: 1, status: 400, code: 'provider_quota_exceeded' } });
    const events = await eventsOf(await ask(dify, { query: 'x' }));
    expect(events.map((event) => event.event)).toEqual(['message', 'error']);
    expect(dify.requests).toHaveLength(3);
    expect(dify.requests[0]!.authorization).toBe('Bearer app-wrong');
  });
});
