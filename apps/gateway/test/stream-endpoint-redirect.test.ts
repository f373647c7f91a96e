import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestStreamEndpoint, StreamOpenError } from '../src/stream/request-stream-endpoint.js';

// An API base that answers connections/open with a redirect, and the server it points to, which records what
// reaches it: followed, a 307 would post the AppSecret there.
let elsewhere: Server;
let redirector: Server;
const reachedElsewhere: string[] = [];
let status = 307;

const originOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const listen = async (server: Server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    reachedElsewhere.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ endpoint: 'ws://127.0.0.1:1/connect', ticket: 't' }));
  });
  redirector = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { location: `${originOf(elsewhere)}${req.url ?? '/'}` }).end();
  });
  await Promise.all([listen(elsewhere), listen(redirector)]);
});

afterAll(async () => {
  for (const server of [elsewhere, redirector]) server.closeAllConnections();
  await Promise.all([elsewhere, redirector].map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('requestStreamEndpoint and redirects', () => {
  it.each([307, 302])('connections/open answered %i: a StreamOpenError, and the other server receives nothing', async (answered) => {
    status = answered;
    const opening = requestStreamEndpoint({ appKey: 'ding-app', appSecret: 'app-secret-value' }, { apiBaseUrl: originOf(redirector), timeoutMs: 2000 });
    const error = await opening.then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StreamOpenError);
    expect((error as Error).message).toBe(`connections/open answered a redirect (HTTP ${answered}); not followed`);
    expect((error as Error).message).not.toContain('app-secret-value');
    expect(reachedElsewhere).toEqual([]);
  });
});
