import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendRefusal } from './fake-dingtalk-refusal.js';
import type { FakeDingTalkState } from './fake-dingtalk-state.js';
import { readBody, sendJson } from './http-json.js';

const TOKEN_LIFETIME_SECONDS = 7200;
const MEDIA_TYPES = new Set(['image', 'voice', 'video', 'file']);
/** DingTalk's limit for an image upload. */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

// The legacy OpenAPI answers every business error as HTTP 200 with a non-zero errcode. The codes
// below are the fake's: 40014 (invalid access_token) and 40089 (invalid appkey or appsecret) are
// DingTalk's; DingTalk documents no code for a missing or oversized file, so 40004 and 40006 stand in.
const errcode = (res: ServerResponse, code: number, errmsg: string) => sendJson(res, 200, { errcode: code, errmsg });

/** `GET /gettoken?appkey=…&appsecret=…` → `{errcode: 0, access_token, expires_in}`. */
export function handleLegacyToken(state: FakeDingTalkState, res: ServerResponse, url: URL): void {
  state.legacyTokenRequests += 1;
  const refusal = state.refusals.legacyToken.shift();
  if (refusal) return sendRefusal(res, refusal);
  const appKey = url.searchParams.get('appkey') ?? '';
  const appSecret = url.searchParams.get('appsecret') ?? '';
  if (!appKey || !appSecret || (state.credentials && state.credentials[appKey] !== appSecret)) {
    return errcode(res, 40089, '不合法的appkey或appsecret');
  }
  const accessToken = `fake-legacy-token-${randomBytes(12).toString('hex')}`;
  state.issuedLegacyTokens.add(accessToken);
  sendJson(res, 200, { errcode: 0, errmsg: 'ok', access_token: accessToken, expires_in: TOKEN_LIFETIME_SECONDS });
}

/**
 * `POST /media/upload?access_token=…&type=image`, multipart with the file in field `media`
 * → `{errcode: 0, media_id: "@lA…", type, created_at}`.
 */
export async function handleMediaUpload(state: FakeDingTalkState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const raw = await readBody(req);
  const refusal = state.refusals.media.shift();
  if (refusal) return sendRefusal(res, refusal);
  if (!state.issuedLegacyTokens.has(url.searchParams.get('access_token') ?? '')) return errcode(res, 40014, '不合法的access_token');
  const type = url.searchParams.get('type') ?? '';
  if (!MEDIA_TYPES.has(type)) return errcode(res, 40004, '不合法的媒体文件类型');
  let form: FormData;
  try {
    form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
  } catch {
    return errcode(res, 40004, '请求不是合法的multipart/form-data');
  }
  const media = form.get('media');
  if (!(media instanceof Blob) || media.size === 0) return errcode(res, 40006, '媒体文件为空');
  if (type === 'image' && media.size > MAX_IMAGE_BYTES) return errcode(res, 40006, '不合法的文件大小');
  const mediaId = `@lA${randomBytes(18).toString('base64url')}`;
  state.uploadedMedia.push({
    mediaId,
    type,
    filename: media instanceof File ? media.name : '',
    contentType: media.type,
    bytes: Buffer.from(await media.arrayBuffer()),
    receivedAt: Date.now(),
  });
  sendJson(res, 200, { errcode: 0, errmsg: 'ok', type, media_id: mediaId, created_at: Date.now() });
}
