import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccessTokens } from '../src/dingtalk/access-tokens.js';
import { DingTalkClient } from '../src/dingtalk/dingtalk-client.js';
import { dingTalkFailureOf } from './dingtalk-failure-of.js';
import { useTestRedis } from './test-redis.js';

// A "DingTalk" that answers every request with a redirect to another server, and that other server, which
// counts what reaches it: a followed redirect would hand it the request, body and headers included.
const testRedis = useTestRedis('dingtalk-redirects');
let elsewhere: Server;
let redirector: Server;
let reachedElsewhere: { method: string; url: string; body: string }[] = [];
let status = 307;

const originOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const listen = async (server: Server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const bodyOf = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      reachedElsewhere.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode: 0, accessToken: 'stolen', expireIn: 7200, access_token: 'stolen', media_id: 'm' }));
    });
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

beforeEach(() => {
  reachedElsewhere = [];
  status = 307;
});

function clientOf(answers: string[] = []): DingTalkClient {
  const origin = originOf(redirector);
  return new DingTalkClient(new AccessTokens(testRedis.redis, testRedis.keys), {
    apiBaseUrl: origin,
    oapiBaseUrl: origin,
    allowedOrigins: [origin],
    timeoutMs: 2000,
    onAnswer: (api, result) => answers.push(`${api}:${result}`),
  });
}

const failureOf = dingTalkFailureOf;

describe('DingTalk client: redirects are never followed', () => {
  it.each([307, 302, 308, 301])('a sessionWebhook answering %i: fatal, counted as http_<status>, the other server gets nothing', async (answered) => {
    status = answered;
    const answers: string[] = [];
    const error = await failureOf(clientOf(answers).postToWebhook(`${originOf(redirector)}/robot/sendBySession?session=s`, { msgtype: 'text', text: { content: 'answer' } }));
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain(`DingTalk webhook answered a redirect (HTTP ${answered}); not followed`);
    expect(answers).toEqual([`webhook:http_${answered}`]);
    expect(reachedElsewhere).toEqual([]);
  });

  it('the access token request answered 307: the AppSecret goes nowhere else, and the OpenAPI call fails fatal', async () => {
    const error = await failureOf(clientOf().callApi({ appKey: 'ding-app', appSecret: 'app-secret-value' }, 'POST', '/v1.0/robot/groupMessages/send', {}));
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain('DingTalk token answered a redirect (HTTP 307)');
    expect(reachedElsewhere).toEqual([]);
  });

  it('an OpenAPI call with a cached token answered 307: the token header goes nowhere else', async () => {
    const tokens = new AccessTokens(testRedis.redis, testRedis.keys);
    await tokens.get('ding-cached', async () => ({ accessToken: 'cached-token', expireIn: 7200 }));
    const error = await failureOf(clientOf().callApi({ appKey: 'ding-cached', appSecret: 'x' }, 'PUT', '/v1.0/card/instances', {}, 'card'));
    expect(error.message).toContain('DingTalk card answered a redirect (HTTP 307)');
    expect(reachedElsewhere).toEqual([]);
  });

  it('the legacy token for a media upload answered 302: nothing uploaded elsewhere', async () => {
    status = 302;
    const upload = clientOf().uploadMedia({ appKey: 'ding-media', appSecret: 'x' }, 'image', { bytes: new Uint8Array([1, 2, 3]), filename: 'a.png', contentType: 'image/png' });
    const error = await failureOf(upload);
    expect(error.message).toContain('DingTalk legacy_token answered a redirect (HTTP 302)');
    expect(reachedElsewhere).toEqual([]);
  });
});
