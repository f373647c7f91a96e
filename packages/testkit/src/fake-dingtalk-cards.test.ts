import { afterEach, describe, expect, it } from 'vitest';
import { CARD_QPS_LIMIT_CODE } from './fake-dingtalk-cards.js';
import { startFakeDingTalk, type FakeDingTalk } from './fake-dingtalk-server.js';

let fake: FakeDingTalk | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface Answer {
  success?: boolean;
  result?: unknown;
  code?: string;
  accessToken?: string;
}

async function call(method: string, path: string, body: unknown, token?: string) {
  const response = await fetch(`${fake!.apiBaseURL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { 'x-acs-dingtalk-access-token': token } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

async function accessToken(): Promise<string> {
  const { body } = await call('POST', '/v1.0/oauth2/accessToken', { appKey: 'k', appSecret: 's' });
  return body.accessToken ?? '';
}

const groupCard = (outTrackId: string, extra: object = {}) => ({
  cardTemplateId: 'tpl.schema',
  outTrackId,
  cardData: { cardParamMap: { content: '', flowStatus: '2' } },
  openSpaceId: 'dtv1.card//IM_GROUP.cid-1',
  imGroupOpenDeliverModel: { robotCode: 'robot', atUserIds: { u1: 'Li' } },
  userIdType: 1,
  ...extra,
});

const privateCard = (outTrackId: string) => ({
  cardTemplateId: 'tpl.schema',
  outTrackId,
  cardData: { cardParamMap: { content: '' } },
  openSpaceId: 'dtv1.card//IM_ROBOT.staff-9',
  imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: 'robot' },
});

let guids = 0;
const update = (outTrackId: string, content: string, extra: object = {}) => ({
  outTrackId,
  guid: `g${(guids += 1)}`,
  key: 'content',
  content,
  isFull: true,
  isFinalize: false,
  isError: false,
  ...extra,
});

describe('startFakeDingTalk: AI cards', () => {
  it('creates a group card already inputing, streams into it with no call between, finalizes it, and refuses updates after that', async () => {
    fake = await startFakeDingTalk();
    const token = await accessToken();
    const created = await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('t1'), token);
    expect(created).toMatchObject({ status: 200, body: { success: true, result: { outTrackId: 't1', deliverResults: [{ success: true }] } } });
    expect((await call('PUT', '/v1.0/card/streaming', update('t1', '一'), token)).status).toBe(200);
    expect((await call('PUT', '/v1.0/card/streaming', update('t1', '一二', { isFinalize: true }), token)).status).toBe(200);
    const late = await call('PUT', '/v1.0/card/streaming', update('t1', '一二三'), token);
    expect(late).toMatchObject({ status: 400, body: { code: 'invalidParameter.card.finalized' } });

    const [card] = fake.cards();
    expect(card).toMatchObject({
      outTrackId: 't1',
      spaceType: 'IM_GROUP',
      target: 'cid-1',
      robotCode: 'robot',
      atUserIds: { u1: 'Li' },
      params: { content: '一二', flowStatus: '2' },
      finalized: true,
    });
    expect(card?.updates.map((u) => [u.content, u.isFinalize])).toEqual([['一', false], ['一二', true]]);
    expect(fake.cardCalls.map((c) => c.status)).toEqual([200, 200, 200, 400]);
  });

  it('replaces the card data on an update unless it is to be merged by key', async () => {
    fake = await startFakeDingTalk();
    const token = await accessToken();
    await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('m'), token);
    await call('PUT', '/v1.0/card/instances', { outTrackId: 'm', cardData: { cardParamMap: { flowStatus: '3' } } }, token);
    expect(fake.cards()[0]?.params).toEqual({ flowStatus: '3' });
  });

  it('delivers a private card to the staff id in its open space', async () => {
    fake = await startFakeDingTalk();
    expect((await call('POST', '/v1.0/card/instances/createAndDeliver', privateCard('p1'), await accessToken())).status).toBe(200);
    expect(fake.cards()[0]).toMatchObject({ spaceType: 'IM_ROBOT', target: 'staff-9', robotCode: 'robot' });
  });

  it.each([
    ['a cardParamMap value that is not a string', groupCard('x', { cardData: { cardParamMap: { flowStatus: 1 } } }), 'invalidParameter.cardParamMap.invalid'],
    ['an open space of another shape', groupCard('x', { openSpaceId: 'IM_GROUP.cid-1' }), 'invalidParameter.openSpaceId.invalid'],
    ['a group card without its deliver model', groupCard('x', { imGroupOpenDeliverModel: undefined }), 'invalidParameter.imGroupOpenDeliverModel.empty'],
    ['no outTrackId', groupCard(''), 'invalidParameter.outTrackId.empty'],
  ])('refuses to create a card with %s (400, no card)', async (_case, body, code) => {
    fake = await startFakeDingTalk();
    const answer = await call('POST', '/v1.0/card/instances/createAndDeliver', body, await accessToken());
    expect(answer).toMatchObject({ status: 400, body: { code } });
    expect(fake.cards()).toEqual([]);
  });

  it('records where presses go, and refuses a callbackType it does not know or HTTP without a route key', async () => {
    fake = await startFakeDingTalk({ credentials: { k: 's' } });
    const token = await accessToken();
    const create = (outTrackId: string, extra: object) => call('POST', '/v1.0/card/instances/createAndDeliver', groupCard(outTrackId, extra), token);
    expect((await create('cb-1', { callbackType: 'STREAM' })).status).toBe(200);
    expect((await create('cb-2', { callbackType: 'HTTP', callbackRouteKey: 'route' })).status).toBe(200);
    expect((await create('cb-3', { callbackType: 'HTTP' })).body.code).toBe('invalidParameter.callbackRouteKey.empty');
    expect((await create('cb-4', { callbackType: 'WEBHOOK' })).body.code).toBe('invalidParameter.callbackType.invalid');
    expect(fake.cards().map((card) => [card.outTrackId, card.callbackType, card.callbackRouteKey])).toEqual([
      ['cb-1', 'STREAM', undefined],
      ['cb-2', 'HTTP', 'route'],
    ]);
  });

  it('refuses a template it does not know, a second card with the same outTrackId, and calls without a token', async () => {
    fake = await startFakeDingTalk({ cardTemplates: ['tpl.schema'] });
    const token = await accessToken();
    const unknown = await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('a', { cardTemplateId: 'other.schema' }), token);
    expect(unknown).toMatchObject({ status: 400, body: { code: 'invalidParameter.cardTemplateId.notExist' } });
    expect((await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('a'), token)).status).toBe(200);
    expect((await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('a'), token)).body.code).toBe('invalidParameter.outTrackId.duplicate');
    expect((await call('PUT', '/v1.0/card/streaming', update('a', 'x'))).status).toBe(401);
    expect(fake.cards()).toHaveLength(1);
  });

  it('refuses a reused guid, an unknown outTrackId and the wrong method', async () => {
    fake = await startFakeDingTalk();
    const token = await accessToken();
    await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('c'), token);
    const first = update('c', 'x');
    expect((await call('PUT', '/v1.0/card/streaming', first, token)).status).toBe(200);
    expect((await call('PUT', '/v1.0/card/streaming', { ...first, content: 'xy' }, token)).body.code).toBe('invalidParameter.guid.duplicate');
    expect((await call('PUT', '/v1.0/card/streaming', update('nope', 'x'), token)).body.code).toBe('invalidParameter.outTrackId.notExist');
    expect((await call('POST', '/v1.0/card/streaming', update('c', 'x'), token)).status).toBe(405);
    expect(fake.cards()[0]?.updates).toHaveLength(1);
  });

  it('answers 403 QpsLimit past cardQps calls in a rolling second, counting only admitted calls', async () => {
    fake = await startFakeDingTalk({ cardQps: 2 });
    const token = await accessToken();
    const statuses = [];
    for (const id of ['q1', 'q2', 'q3']) statuses.push(await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard(id), token));
    expect(statuses.map((s) => s.status)).toEqual([200, 200, 403]);
    expect(statuses[2]?.body.code).toBe(CARD_QPS_LIMIT_CODE);
    expect(fake.cards().map((c) => c.outTrackId)).toEqual(['q1', 'q2']);
  });

  it('answers a queued refusal instead of serving the next card call', async () => {
    fake = await startFakeDingTalk();
    fake.refuseNext('card', { status: 500, body: { code: 'ServiceUnavailable' } });
    const token = await accessToken();
    expect((await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('r'), token)).status).toBe(500);
    expect((await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('r'), token)).status).toBe(200);
  });

  it('can do the work and lose the answer, as a gateway timeout does', async () => {
    fake = await startFakeDingTalk();
    fake.refuseNext('card', { status: 504, body: { code: 'GatewayTimeout' }, served: true });
    const lost = await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('lost'), await accessToken());
    expect(lost.status).toBe(504);
    expect(fake.cards().map((card) => card.outTrackId)).toEqual(['lost']);
  });

  it('resolves waitForCard once a card is as awaited', async () => {
    fake = await startFakeDingTalk();
    const token = await accessToken();
    const waiting = fake.waitForCard((card) => card.finalized);
    await call('POST', '/v1.0/card/instances/createAndDeliver', groupCard('w'), token);
    await call('PUT', '/v1.0/card/streaming', update('w', 'done', { isFinalize: true }), token);
    expect((await waiting).params.content).toBe('done');
  });
});
