import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDingTalk, type FakeDingTalk } from './fake-dingtalk-server.js';

let fake: FakeDingTalk | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Union of the answer fields these tests read, from the webhook (errcode) and the OpenAPI (code). */
interface Answer {
  errcode?: number;
  errmsg?: string;
  code?: string;
  accessToken?: string;
  expireIn?: number;
  processQueryKey?: string;
  flowControlledStaffIdList?: string[];
}

const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer };
};

const markdown = (text: string) => ({
  msgtype: 'markdown',
  markdown: { title: '答复', text },
  at: { atUserIds: ['user123'], isAtAll: false },
});

async function accessToken(dingtalk: FakeDingTalk): Promise<string> {
  const { body } = await post(`${dingtalk.apiBaseURL}/v1.0/oauth2/accessToken`, { appKey: 'k', appSecret: 's' });
  return body.accessToken ?? '';
}

describe('startFakeDingTalk: sessionWebhook', () => {
  it('records a webhook post and reports it as delivered', async () => {
    fake = await startFakeDingTalk();
    const { status, body } = await post(fake.sessionWebhook('s1'), markdown('你好 @user123'));
    expect(status).toBe(200);
    expect(body).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(fake.webhookMessages).toEqual([
      { session: 's1', body: markdown('你好 @user123'), receivedAt: expect.any(Number) },
    ]);
    expect(fake.delivered()).toEqual([
      {
        route: 'webhook',
        kind: 'markdown',
        text: '你好 @user123',
        title: '答复',
        atUserIds: ['user123'],
        target: 's1',
        receivedAt: expect.any(Number),
      },
    ]);
  });

  it('answers every n-th post with the configured errcode and does not deliver it', async () => {
    fake = await startFakeDingTalk({ errcodeEvery: { n: 2, errcode: 130101, errmsg: 'send too fast' } });
    const results = [];
    for (const text of ['a', 'b', 'c', 'd']) {
      results.push((await post(fake.sessionWebhook('s'), { msgtype: 'text', text: { content: text } })).body.errcode);
    }
    expect(results).toEqual([0, 130101, 0, 130101]);
    expect(fake.delivered().map((message) => message.text)).toEqual(['a', 'c']);
    expect(fake.webhookRejections.map((rejection) => rejection.errcode)).toEqual([130101, 130101]);
  });

  it('refuses expired sessions, oversized bodies and unknown message types', async () => {
    fake = await startFakeDingTalk();
    fake.expireSession('old');
    expect((await post(fake.sessionWebhook('old'), markdown('x'))).body.errcode).toBe(300001);
    const huge = await post(fake.sessionWebhook('s'), markdown('字'.repeat(7000)));
    expect(huge.status).toBe(200);
    expect(huge.body.errcode).toBe(40035);
    expect(huge.body.errmsg).toContain('20000bytes');
    expect((await post(fake.sessionWebhook('s'), { msgtype: 'image', image: {} })).body.errcode).toBe(400105);
    expect(fake.delivered()).toEqual([]);
    expect(fake.webhookRejections).toHaveLength(3);
  });
});

describe('startFakeDingTalk: OpenAPI', () => {
  const groupSend = (msgParam: unknown) => ({
    robotCode: 'dingtestrobot',
    openConversationId: 'cidGroup==',
    msgKey: 'sampleMarkdown',
    msgParam,
  });

  it('issues access tokens and requires one on robot sends', async () => {
    fake = await startFakeDingTalk();
    const url = `${fake.apiBaseURL}/v1.0/robot/groupMessages/send`;
    const msgParam = JSON.stringify({ title: 't', text: '**正文**' });
    const anonymous = await post(url, groupSend(msgParam));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('InvalidAuthentication');

    const token = await accessToken(fake);
    expect(fake.tokenRequests).toBe(1);
    const sent = await post(url, groupSend(msgParam), { 'x-acs-dingtalk-access-token': token });
    expect(sent.status).toBe(200);
    expect(sent.body.processQueryKey).toEqual(expect.any(String));
    expect(fake.openApiMessages).toHaveLength(1);
    expect(fake.delivered()).toEqual([
      {
        route: 'openapi',
        kind: 'sampleMarkdown',
        text: '**正文**',
        title: 't',
        target: 'cidGroup==',
        receivedAt: expect.any(Number),
      },
    ]);

    fake.expireAccessTokens();
    expect((await post(url, groupSend(msgParam), { 'x-acs-dingtalk-access-token': token })).status).toBe(401);
  });

  it('validates msgParam and the number of userIds', async () => {
    fake = await startFakeDingTalk();
    const headers = { 'x-acs-dingtalk-access-token': await accessToken(fake) };
    const group = `${fake.apiBaseURL}/v1.0/robot/groupMessages/send`;
    const objectParam = await post(group, groupSend({ title: 't', text: 'x' }), headers);
    expect(objectParam).toMatchObject({ status: 400, body: { code: 'invalidParameter.msgParam.invalid' } });

    const batch = `${fake.apiBaseURL}/v1.0/robot/oToMessages/batchSend`;
    const oneToOne = (userIds: string[]) => ({
      robotCode: 'dingtestrobot',
      userIds,
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: '你好' }),
    });
    const tooMany = Array.from({ length: 21 }, (_, i) => `user${i}`);
    expect((await post(batch, oneToOne(tooMany), headers)).body.code).toBe('invalidParameter.userIds.overMax');
    const ok = await post(batch, oneToOne(['user123']), headers);
    expect(ok.body.flowControlledStaffIdList).toEqual([]);
    expect(fake.delivered().map((m) => [m.route, m.text, m.target])).toEqual([['openapi', '你好', 'user123']]);
  });

  it('checks credentials when they are configured', async () => {
    fake = await startFakeDingTalk({ credentials: { k: 'right' } });
    const url = `${fake.apiBaseURL}/v1.0/oauth2/accessToken`;
    expect((await post(url, { appKey: 'k', appSecret: 'wrong' })).status).toBe(400);
    expect((await post(url, { appKey: 'k', appSecret: 'right' })).body).toEqual({
      accessToken: expect.any(String),
      expireIn: 7200,
    });
  });
});

describe('startFakeDingTalk: refuseNext', () => {
  it('answers the next requests of one door with the queued refusals, in order, then serves again', async () => {
    fake = await startFakeDingTalk();
    fake.refuseNext('webhook', { errcode: 130101, errmsg: 'send too fast' }, { status: 502 });
    const answers = [];
    for (const text of ['a', 'b', 'c']) {
      const { status, body } = await post(fake.sessionWebhook('s'), markdown(text));
      answers.push([status, body.errcode]);
    }
    expect(answers).toEqual([[200, 130101], [502, undefined], [200, 0]]);
    expect(fake.webhookRejections.map((r) => [r.errcode, r.errmsg])).toEqual([[130101, 'send too fast']]);
    expect(fake.delivered().map((m) => m.text)).toEqual(['c']);
    expect(fake.requests).toBe(3);
  });

  it('refuses OpenAPI sends and token requests with the status and body given, delivering nothing', async () => {
    fake = await startFakeDingTalk();
    const qps = { code: 'Forbidden.AccessDenied.QpsLimitForApi', message: 'too fast' };
    fake.refuseNext('token', { status: 403, body: qps });
    const refused = await post(`${fake.apiBaseURL}/v1.0/oauth2/accessToken`, { appKey: 'k', appSecret: 's' });
    expect(refused).toEqual({ status: 403, body: qps });

    fake.refuseNext('openapi', { status: 200, body: { processQueryKey: 'q', flowControlledStaffIdList: ['user123'] } });
    const url = `${fake.apiBaseURL}/v1.0/robot/oToMessages/batchSend`;
    const send = { robotCode: 'r', userIds: ['user123'], msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'x' }) };
    const headers = { 'x-acs-dingtalk-access-token': await accessToken(fake) };
    expect((await post(url, send, headers)).body.flowControlledStaffIdList).toEqual(['user123']);
    expect(fake.delivered()).toEqual([]);
    expect((await post(url, send, headers)).status).toBe(200);
    expect(fake.delivered()).toHaveLength(1);
  });
});

describe('startFakeDingTalk: waitForDelivered', () => {
  it('resolves once enough messages arrived, whichever route', async () => {
    fake = await startFakeDingTalk();
    const waiting = fake.waitForDelivered(2, 2000);
    await post(fake.sessionWebhook('a'), { msgtype: 'text', text: { content: 'one' } });
    await post(fake.sessionWebhook('b'), { msgtype: 'text', text: { content: 'two' } });
    expect((await waiting).map((message) => message.text)).toEqual(['one', 'two']);
  });

  it('rejects with a list of what arrived', async () => {
    fake = await startFakeDingTalk();
    fake.expireSession('gone');
    await post(fake.sessionWebhook('a'), { msgtype: 'text', text: { content: 'only one' } });
    await post(fake.sessionWebhook('gone'), { msgtype: 'text', text: { content: 'lost' } });
    const error = await fake.waitForDelivered(2, 100).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/expected 2 delivered message\(s\) within 100 ms, got 1/);
    expect((error as Error).message).toContain('webhook→a: "only one"');
    expect((error as Error).message).toContain('gone: 300001 session expired');
  });
});

describe('startFakeDingTalk: legacy media upload', () => {
  const upload = (url: string, bytes: Buffer, field = 'media') => {
    const form = new FormData();
    form.append(field, new Blob([bytes], { type: 'image/png' }), 'picture.png');
    return fetch(url, { method: 'POST', body: form }).then(async (response) => (await response.json()) as Answer & { media_id?: string });
  };

  it('issues a legacy token for a known app and stores an uploaded image under a media id', async () => {
    fake = await startFakeDingTalk({ credentials: { key: 'secret' } });
    const token = (await (await fetch(`${fake.origin}/gettoken?appkey=key&appsecret=secret`)).json()) as { errcode: number; access_token: string; expires_in: number };
    expect(token).toMatchObject({ errcode: 0, expires_in: 7200 });
    const answer = await upload(`${fake.origin}/media/upload?access_token=${token.access_token}&type=image`, Buffer.from('png bytes'));
    expect(answer).toMatchObject({ errcode: 0, type: 'image' });
    expect(answer.media_id).toMatch(/^@lA/);
    expect(fake.uploadedMedia).toMatchObject([{ mediaId: answer.media_id, type: 'image', filename: 'picture.png', contentType: 'image/png' }]);
    expect(fake.uploadedMedia[0]?.bytes.toString()).toBe('png bytes');
    expect(fake.legacyTokenRequests).toBe(1);
  });

  it('answers a wrong secret, a bad token, a missing file and a queued refusal with errcodes, storing nothing', async () => {
    fake = await startFakeDingTalk({ credentials: { key: 'secret' } });
    expect(await (await fetch(`${fake.origin}/gettoken?appkey=key&appsecret=wrong`)).json()).toMatchObject({ errcode: 40089 });
    const { access_token: token } = (await (await fetch(`${fake.origin}/gettoken?appkey=key&appsecret=secret`)).json()) as { access_token: string };
    expect(await upload(`${fake.origin}/media/upload?access_token=nope&type=image`, Buffer.from('x'))).toMatchObject({ errcode: 40014 });
    expect(await upload(`${fake.origin}/media/upload?access_token=${token}&type=image`, Buffer.from('x'), 'file')).toMatchObject({ errcode: 40006 });
    fake.refuseNext('media', { errcode: 90018, errmsg: 'too many requests' });
    expect(await upload(`${fake.origin}/media/upload?access_token=${token}&type=image`, Buffer.from('x'))).toMatchObject({ errcode: 90018 });
    expect(fake.uploadedMedia).toHaveLength(0);
  });
});

describe('startFakeDingTalk: files users sent', () => {
  const download = (dingtalk: FakeDingTalk, body: unknown, token: string) =>
    post(`${dingtalk.apiBaseURL}/v1.0/robot/messageFiles/download`, body, { 'x-acs-dingtalk-access-token': token }) as Promise<{
      status: number;
      body: Answer & { downloadUrl?: string };
    }>;

  it('exchanges a download code for a URL with the robot\'s token, and serves the file there', async () => {
    fake = await startFakeDingTalk();
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    fake.addFile('code-1', { body: png });
    const token = await accessToken(fake);
    const answer = await download(fake, { downloadCode: 'code-1', robotCode: 'k' }, token);
    expect(answer.status).toBe(200);
    expect(fake.fileDownloads).toEqual([{ downloadCode: 'code-1', robotCode: 'k', appKey: 'k' }]);
    const file = await fetch(answer.body.downloadUrl!);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(png);
    expect(fake.filesServed).toBe(1);
  });

  it('answers a file\'s download URL with a redirect where it is told to, serving nothing', async () => {
    fake = await startFakeDingTalk();
    fake.addFile('moved', { body: Buffer.from('x'), redirectTo: 'http://127.0.0.1:9/elsewhere' });
    const token = await accessToken(fake);
    const answer = await download(fake, { downloadCode: 'moved', robotCode: 'k' }, token);
    const file = await fetch(answer.body.downloadUrl!, { redirect: 'manual' });
    expect([file.status, file.headers.get('location')]).toEqual([307, 'http://127.0.0.1:9/elsewhere']);
    expect([fake.filesServed, fake.filesRedirected]).toEqual([0, 1]);
  });

  it('refuses a missing token, another app\'s robot and an unknown code', async () => {
    fake = await startFakeDingTalk();
    fake.addFile('code-2', { body: Buffer.from('x') });
    const token = await accessToken(fake);
    expect((await download(fake, { downloadCode: 'code-2', robotCode: 'k' }, 'nope')).status).toBe(401);
    expect((await download(fake, { downloadCode: 'code-2', robotCode: 'another' }, token)).body.code).toBe('invalidParameter.robotCode.auth');
    expect((await download(fake, { downloadCode: 'unknown', robotCode: 'k' }, token)).body.code).toBe('invalidParameter.downloadCode.invalid');
    expect((await fetch(`${fake.apiBaseURL}/files/code-2`)).status).toBe(404);
  });
});
