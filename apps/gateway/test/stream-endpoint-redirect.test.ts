import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedirectTrap, type RedirectTrap } from '@dtbot/testkit';
import { requestStreamEndpoint, StreamOpenError } from '../src/stream/request-stream-endpoint.js';

// An API base that answers connections/open with a redirect, and the server it points to, which records what
// reaches it: followed, a 307 would post the AppSecret there.
let trap: RedirectTrap;

beforeAll(async () => {
  trap = await startRedirectTrap({ endpoint: 'ws://127.0.0.1:1/connect', ticket: 't' });
});

afterAll(async () => {
  await trap.close();
});

describe('requestStreamEndpoint and redirects', () => {
  it.each([307, 302])('connections/open answered %i: a StreamOpenError, and the other server receives nothing', async (answered) => {
    trap.status = answered;
    const opening = requestStreamEndpoint({ appKey: 'ding-app', appSecret: 'app-secret-value' }, { apiBaseUrl: trap.origin, timeoutMs: 2000 });
    const error = await opening.then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StreamOpenError);
    expect((error as Error).message).toBe(`connections/open answered a redirect (HTTP ${answered}); not followed`);
    expect((error as Error).message).not.toContain('app-secret-value');
    expect(trap.reached).toEqual([]);
  });
});
