import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { msgParamText } from './dingtalk-delivered-message.js';
import { sendRefusal } from './fake-dingtalk-refusal.js';
import type { FakeDingTalkState } from './fake-dingtalk-state.js';
import { isRecord, parseJson, readBody, sendJson } from './http-json.js';

export const GROUP_SEND_PATH = '/v1.0/robot/groupMessages/send';
export const BATCH_SEND_PATH = '/v1.0/robot/oToMessages/batchSend';

/** The robot send API's documented msgKeys; anything else is refused like DingTalk does. */
const KNOWN_MSG_KEYS = new Set([
  'sampleText', 'sampleMarkdown', 'sampleImageMsg', 'sampleLink', 'sampleActionCard', 'sampleActionCard2',
  'sampleActionCard3', 'sampleActionCard4', 'sampleActionCard5', 'sampleActionCard6', 'sampleFile',
  'sampleVideo', 'sampleAudio',
]);
const MAX_BATCH_USER_IDS = 20;
const MAX_GROUP_MSG_PARAM_BYTES = 15_000;
const TOKEN_LIFETIME_SECONDS = 7200;

const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
  sendJson(res, status, { code, message, requestid: randomBytes(8).toString('hex') });

/** `POST /v1.0/oauth2/accessToken` with `{appKey, appSecret}`. */
export async function handleAccessToken(
  state: FakeDingTalkState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  state.tokenRequests += 1;
  const body = parseJson(await readBody(req));
  const refusal = state.refusals.token.shift();
  if (refusal) return sendRefusal(res, refusal);
  const appKey = isRecord(body) && typeof body.appKey === 'string' ? body.appKey : '';
  const appSecret = isRecord(body) && typeof body.appSecret === 'string' ? body.appSecret : '';
  if (!appKey || !appSecret) return refuse(res, 400, 'MissingParameter', 'appKey and appSecret are required');
  if (state.credentials && state.credentials[appKey] !== appSecret) {
    return refuse(res, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
  }
  const accessToken = `fake-token-${randomBytes(12).toString('hex')}`;
  state.issuedTokens.set(accessToken, appKey);
  sendJson(res, 200, { accessToken, expireIn: TOKEN_LIFETIME_SECONDS });
}

type Check = { code: string; message: string } | undefined;

const invalid = (code: string, message: string): Check => ({ code: `invalidParameter.${code}`, message });

function checkCommon(body: Record<string, unknown>): Check {
  if (typeof body.robotCode !== 'string' || !body.robotCode) return invalid('robotCode.empty', 'robotCode is empty');
  if (typeof body.msgKey !== 'string' || !body.msgKey) return invalid('msgKey.empty', 'msgKey is empty');
  if (!KNOWN_MSG_KEYS.has(body.msgKey)) return invalid('msgKey.invalid', `unknown msgKey ${body.msgKey}`);
  // msgParam must be a JSON *string* of an object, not an object.
  if (typeof body.msgParam !== 'string' || !isRecord(parseJson(body.msgParam))) {
    return invalid('msgParam.invalid', 'msgParam must be a string containing a JSON object');
  }
  return undefined;
}

function checkRoute(path: string, body: Record<string, unknown>): Check {
  if (path === GROUP_SEND_PATH) {
    if (typeof body.openConversationId !== 'string' || !body.openConversationId) {
      return invalid('openConversationId.empty', 'openConversationId is empty');
    }
    // The 15 000-byte cap is documented for group sends only; the code name is our guess.
    if (Buffer.byteLength(String(body.msgParam)) > MAX_GROUP_MSG_PARAM_BYTES) {
      return invalid('msgParam.tooLong', `msgParam over ${MAX_GROUP_MSG_PARAM_BYTES} bytes`);
    }
    return undefined;
  }
  const { userIds } = body;
  if (!Array.isArray(userIds) || userIds.length === 0 || !userIds.every((id) => typeof id === 'string' && id)) {
    return invalid('userIds.empty', 'userIds is empty');
  }
  if (userIds.length > MAX_BATCH_USER_IDS) return invalid('userIds.overMax', `more than ${MAX_BATCH_USER_IDS} userIds`);
  return undefined;
}

/** `POST` to the group send or the 1:1 batch send; needs an issued access token. */
export async function handleRobotSend(
  state: FakeDingTalkState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const raw = await readBody(req);
  const receivedAt = Date.now();
  const refusal = state.refusals.openapi.shift();
  if (refusal) return sendRefusal(res, refusal);
  const token = req.headers['x-acs-dingtalk-access-token'];
  if (typeof token !== 'string' || !state.issuedTokens.has(token)) {
    return refuse(res, 401, 'InvalidAuthentication', '不合法的access_token');
  }
  const body = parseJson(raw);
  if (!isRecord(body)) return refuse(res, 400, 'invalidParameter', 'body is not a JSON object');
  const problem = checkCommon(body) ?? checkRoute(path, body);
  if (problem) return refuse(res, 400, problem.code, problem.message);

  state.openApiMessages.push({ path, body, appKey: state.issuedTokens.get(token)!, receivedAt });
  const isGroup = path === GROUP_SEND_PATH;
  state.delivered.push({
    route: 'openapi',
    kind: String(body.msgKey),
    ...msgParamText(parseJson(String(body.msgParam)) as Record<string, unknown>),
    target: isGroup ? String(body.openConversationId) : (body.userIds as string[]).join(','),
    receivedAt,
  });
  const processQueryKey = randomBytes(16).toString('base64');
  if (isGroup) return sendJson(res, 200, { processQueryKey });
  // Nobody is flow-controlled or filtered here: the fake delivers every accepted 1:1 send.
  sendJson(res, 200, {
    processQueryKey,
    invalidStaffIdList: [],
    flowControlledStaffIdList: [],
    filteredStaffIdList: [],
  });
}
