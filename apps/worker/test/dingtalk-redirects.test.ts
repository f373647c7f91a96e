import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedirectTrap, type RedirectTrap } from '@dtbot/testkit';
import { AccessTokens } from '../src/dingtalk/access-tokens.js';
import { DingTalkClient } from '../src/dingtalk/dingtalk-client.js';
import { dingTalkFailureOf } from './dingtalk-failure-of.js';
import { useTestRedis } from './test-redis.js';

// A "DingTalk" that answers every request with a redirect to another server, and that other server, which
// counts what reaches it: a followed redirect would hand it the request, body and headers included.
const testRedis = useTestRedis('dingtalk-redirects');
let trap: RedirectTrap;

beforeAll(async () => {
  trap = await startRedirectTrap({ errcode: 0, accessToken: 'stolen', expireIn: 7200, access_token: 'stolen', media_id: 'm' });
});

afterAll(async () => {
  await trap.close();
});

beforeEach(() => {
  trap.reached.length = 0;
  trap.status = 307;
});

function clientOf(answers: string[] = []): DingTalkClient {
  const origin = trap.origin;
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
    trap.status = answered;
    const answers: string[] = [];
    const error = await failureOf(clientOf(answers).postToWebhook(`${trap.origin}/robot/sendBySession?session=s`, { msgtype: 'text', text: { content: 'answer' } }));
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain(`DingTalk webhook answered a redirect (HTTP ${answered}); not followed`);
    expect(answers).toEqual([`webhook:http_${answered}`]);
    expect(trap.reached).toEqual([]);
  });

  it('the access token request answered 307: the AppSecret goes nowhere else, and the OpenAPI call fails fatal', async () => {
    const error = await failureOf(clientOf().callApi({ appKey: 'ding-app', appSecret: 'app-secret-value' }, 'POST', '/v1.0/robot/groupMessages/send', {}));
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain('DingTalk token answered a redirect (HTTP 307)');
    expect(trap.reached).toEqual([]);
  });

  it('an OpenAPI call with a cached token answered 307: the token header goes nowhere else', async () => {
    const tokens = new AccessTokens(testRedis.redis, testRedis.keys);
    await tokens.get('ding-cached', async () => ({ accessToken: 'cached-token', expireIn: 7200 }));
    const error = await failureOf(clientOf().callApi({ appKey: 'ding-cached', appSecret: 'x' }, 'PUT', '/v1.0/card/instances', {}, 'card'));
    expect(error.message).toContain('DingTalk card answered a redirect (HTTP 307)');
    expect(trap.reached).toEqual([]);
  });

  it('the legacy token for a media upload answered 302: nothing uploaded elsewhere', async () => {
    trap.status = 302;
    const upload = clientOf().uploadMedia({ appKey: 'ding-media', appSecret: 'x' }, 'image', { bytes: new Uint8Array([1, 2, 3]), filename: 'a.png', contentType: 'image/png' });
    const error = await failureOf(upload);
    expect(error.message).toContain('DingTalk legacy_token answered a redirect (HTTP 302)');
    expect(trap.reached).toEqual([]);
  });
});
