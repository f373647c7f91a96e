import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '@dtbot/testkit';
import { trackDepartures } from '../src/http/request-departures.js';

// Real fetch (undici) against a real local server.
let fake: FakeOpenAI;
const events: string[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI({
    answer: () => {
      events.push('arrived');
      return 'ok';
    },
  });
});

afterAll(async () => {
  await fake.close();
});

const post = () =>
  fetch(`${fake.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
  }).then((response) => response.json());

describe('trackDepartures', () => {
  it('tells when the request leaves, before the server sees it, once', async () => {
    events.length = 0;
    await trackDepartures(() => events.push('departed'), post);
    expect(events).toEqual(['departed', 'arrived']);
  });

  it('tells each caller only about its own requests, also when they run at once', async () => {
    events.length = 0;
    const departed: string[] = [];
    await Promise.all([
      trackDepartures(() => departed.push('a'), post),
      trackDepartures(() => departed.push('b'), post),
      post(),
    ]);
    expect(departed.sort()).toEqual(['a', 'b']);
    expect(events.filter((event) => event === 'arrived')).toHaveLength(3);
  });
});
