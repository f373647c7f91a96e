import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendRefusal } from './fake-dingtalk-refusal.js';
import type { FakeCard, FakeDingTalkState } from './fake-dingtalk-state.js';
import { isRecord, parseJson, readBody, sendJson } from './http-json.js';

export const CARD_CREATE_AND_DELIVER_PATH = '/v1.0/card/instances/createAndDeliver';
export const CARD_STREAMING_PATH = '/v1.0/card/streaming';
export const CARD_INSTANCES_PATH = '/v1.0/card/instances';

/** The method each card path takes; `isCardPath` tells the server which requests are ours. */
const CARD_METHODS: Record<string, string> = {
  [CARD_CREATE_AND_DELIVER_PATH]: 'POST',
  [CARD_STREAMING_PATH]: 'PUT',
  [CARD_INSTANCES_PATH]: 'PUT',
};

export function isCardPath(path: string): boolean {
  return path in CARD_METHODS;
}

/** The code DingTalk's gateway answers a throttled OpenAPI call with (HTTP 403). */
export const CARD_QPS_LIMIT_CODE = 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi';

const OPEN_SPACE_ID = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.(.+)$/;

type Problem = { status: number; code: string; message: string };

const invalid = (code: string, message: string): Problem => ({ status: 400, code: `invalidParameter.${code}`, message });

const stringMap = (value: unknown): value is Record<string, string> =>
  isRecord(value) && Object.values(value).every((entry) => typeof entry === 'string');

/**
 * DingTalk's AI-card API (see docs/dingtalk-cards.md: `createAndDeliver`, streaming updates, card data
 * updates), strict where DingTalk is: an issued access token, `cardParamMap` values that are
 * strings, a known `outTrackId`, a new `guid` for every streaming call, nothing streamed after
 * `isFinalize`, and at most `cardQps` calls in any rolling second. The error codes of refused
 * bodies are the fake's own names (DingTalk's exact ones are not documented).
 */
export async function handleCardCall(state: FakeDingTalkState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const raw = await readBody(req);
  const receivedAt = Date.now();
  const method = req.method ?? '';
  const answer = (status: number, body: unknown) => {
    state.cardCalls.push({ method, path, status, receivedAt });
    sendJson(res, status, body);
  };
  const refuse = ({ status, code, message }: Problem) => answer(status, { code, message, requestid: randomBytes(8).toString('hex') });

  if (method !== CARD_METHODS[path]) return refuse({ status: 405, code: 'MethodNotAllowed', message: `${method} not allowed` });
  const limit = state.behaviour.cardQps;
  if (limit !== undefined && !state.cardWindow.tryAdmit(limit, receivedAt).admitted) {
    return refuse({ status: 403, code: CARD_QPS_LIMIT_CODE, message: '请求频率超过限制' });
  }
  const refusal = state.refusals.card.shift();
  const refuseInstead = () => {
    state.cardCalls.push({ method, path, status: refusal && 'status' in refusal ? refusal.status : 200, receivedAt });
    sendRefusal(res, refusal!);
  };
  const served = refusal !== undefined && 'status' in refusal && refusal.served === true;
  if (refusal && !served) return refuseInstead();
  const token = req.headers['x-acs-dingtalk-access-token'];
  if (typeof token !== 'string' || !state.issuedTokens.has(token)) {
    return refuse({ status: 401, code: 'InvalidAuthentication', message: '不合法的access_token' });
  }
  const body = parseJson(raw);
  if (!isRecord(body)) return refuse(invalid('body', 'body is not a JSON object'));

  const outcome =
    path === CARD_CREATE_AND_DELIVER_PATH
      ? createAndDeliver(state, body, receivedAt)
      : path === CARD_STREAMING_PATH
        ? streamingUpdate(state, body, receivedAt)
        : updateInstance(state, body);
  if ('code' in outcome) return refuse(outcome);
  if (served) return refuseInstead();
  answer(200, { success: true, result: outcome.result });
}

function createAndDeliver(state: FakeDingTalkState, body: Record<string, unknown>, receivedAt: number): Problem | { result: unknown } {
  const { cardTemplateId, outTrackId, cardData, openSpaceId } = body;
  if (typeof cardTemplateId !== 'string' || !cardTemplateId) return invalid('cardTemplateId.empty', 'cardTemplateId is empty');
  const templates = state.behaviour.cardTemplates;
  if (templates && !templates.includes(cardTemplateId)) return invalid('cardTemplateId.notExist', `no card template ${cardTemplateId}`);
  if (typeof outTrackId !== 'string' || !outTrackId) return invalid('outTrackId.empty', 'outTrackId is empty');
  if (state.cards.has(outTrackId)) return invalid('outTrackId.duplicate', `a card ${outTrackId} exists already`);
  if (!isRecord(cardData) || !stringMap(cardData.cardParamMap)) {
    return invalid('cardParamMap.invalid', 'cardData.cardParamMap must map names to strings');
  }
  const space = typeof openSpaceId === 'string' ? OPEN_SPACE_ID.exec(openSpaceId) : null;
  if (!space) return invalid('openSpaceId.invalid', 'openSpaceId must be dtv1.card//IM_GROUP.<id> or dtv1.card//IM_ROBOT.<id>');
  const spaceType = space[1] as FakeCard['spaceType'];
  let robotCode: unknown;
  let atUserIds: Record<string, string> | undefined;
  if (spaceType === 'IM_GROUP') {
    const model = body.imGroupOpenDeliverModel;
    if (!isRecord(model)) return invalid('imGroupOpenDeliverModel.empty', 'a group card needs imGroupOpenDeliverModel');
    if (model.atUserIds !== undefined && !stringMap(model.atUserIds)) return invalid('atUserIds.invalid', 'atUserIds must map userIds to nicks');
    robotCode = model.robotCode;
    atUserIds = model.atUserIds;
  } else {
    const model = body.imRobotOpenDeliverModel;
    if (!isRecord(model) || model.spaceType !== 'IM_ROBOT') {
      return invalid('imRobotOpenDeliverModel.empty', 'a private card needs imRobotOpenDeliverModel with spaceType IM_ROBOT');
    }
    robotCode = model.robotCode;
  }
  if (typeof robotCode !== 'string' || !robotCode) return invalid('robotCode.empty', 'robotCode is empty');
  const { callbackType, callbackRouteKey } = body;
  if (callbackType !== undefined && callbackType !== 'STREAM' && callbackType !== 'HTTP') {
    return invalid('callbackType.invalid', 'callbackType must be STREAM or HTTP');
  }
  if (callbackType === 'HTTP' && (typeof callbackRouteKey !== 'string' || !callbackRouteKey)) {
    return invalid('callbackRouteKey.empty', 'an HTTP callback needs its callbackRouteKey');
  }

  state.cards.set(outTrackId, {
    outTrackId,
    cardTemplateId,
    openSpaceId: space[0],
    spaceType,
    target: space[2]!,
    robotCode,
    atUserIds,
    callbackType,
    callbackRouteKey: typeof callbackRouteKey === 'string' ? callbackRouteKey : undefined,
    params: { ...cardData.cardParamMap },
    updates: [],
    finalized: false,
    createdAt: receivedAt,
  });
  const carrierId = randomBytes(8).toString('hex');
  return { result: { outTrackId, deliverResults: [{ spaceType, spaceId: space[2], success: true, carrierId }] } };
}

function streamingUpdate(state: FakeDingTalkState, body: Record<string, unknown>, receivedAt: number): Problem | { result: unknown } {
  const { outTrackId, guid, key, content } = body;
  const card = typeof outTrackId === 'string' ? state.cards.get(outTrackId) : undefined;
  if (!card) return invalid('outTrackId.notExist', `no card ${String(outTrackId)}`);
  if (typeof guid !== 'string' || !guid) return invalid('guid.empty', 'guid is empty');
  if (state.cardGuids.has(guid)) return invalid('guid.duplicate', `guid ${guid} was used before`);
  if (typeof key !== 'string' || !key) return invalid('key.empty', 'key is empty');
  if (typeof content !== 'string') return invalid('content.invalid', 'content must be a string');
  const flags = ['isFull', 'isFinalize', 'isError'] as const;
  const badFlag = flags.find((flag) => body[flag] !== undefined && typeof body[flag] !== 'boolean');
  if (badFlag) return invalid(`${badFlag}.invalid`, `${badFlag} must be a boolean`);
  if (card.finalized) return invalid('card.finalized', 'the card was finalized; it takes no more streaming updates');

  state.cardGuids.add(guid);
  const update = {
    guid,
    key,
    content,
    isFull: body.isFull === true,
    isFinalize: body.isFinalize === true,
    isError: body.isError === true,
    receivedAt,
  };
  card.updates.push(update);
  card.params[key] = update.isFull ? content : `${card.params[key] ?? ''}${content}`;
  if (update.isFinalize) card.finalized = true;
  return { result: true };
}

function updateInstance(state: FakeDingTalkState, body: Record<string, unknown>): Problem | { result: unknown } {
  const { outTrackId, cardData } = body;
  const card = typeof outTrackId === 'string' ? state.cards.get(outTrackId) : undefined;
  if (!card) return invalid('outTrackId.notExist', `no card ${String(outTrackId)}`);
  if (!isRecord(cardData) || !stringMap(cardData.cardParamMap)) {
    return invalid('cardParamMap.invalid', 'cardData.cardParamMap must map names to strings');
  }
  // Without `updateCardDataByKey` the new map replaces the card's data, variables left out included.
  const byKey = isRecord(body.cardUpdateOptions) && body.cardUpdateOptions.updateCardDataByKey === true;
  card.params = byKey ? { ...card.params, ...cardData.cardParamMap } : { ...cardData.cardParamMap };
  return { result: true };
}
