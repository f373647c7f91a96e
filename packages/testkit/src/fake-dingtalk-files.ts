import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendRefusal } from './fake-dingtalk-refusal.js';
import type { FakeFile } from './fake-dingtalk-file.js';
import type { FakeDingTalkState } from './fake-dingtalk-state.js';
import { isRecord, parseJson, readBody, sendJson } from './http-json.js';

export const FILE_DOWNLOAD_PATH = '/v1.0/robot/messageFiles/download';
/** Where the fake serves the files it hands out download URLs for. */
export const FILES_PATH_PREFIX = '/files/';

const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
  sendJson(res, status, { code, message, requestid: randomBytes(8).toString('hex') });

/**
 * `POST /v1.0/robot/messageFiles/download` with `{downloadCode, robotCode}` and the app's access
 * token → `{downloadUrl}`, a short-lived URL on this fake. The robot code must be the token's app,
 * as DingTalk refuses another app's robot.
 */
export async function handleFileDownload(state: FakeDingTalkState, req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
  const body = parseJson(await readBody(req));
  const refusal = state.refusals.openapi.shift();
  if (refusal) return sendRefusal(res, refusal);
  const token = req.headers['x-acs-dingtalk-access-token'];
  const appKey = typeof token === 'string' ? state.issuedTokens.get(token) : undefined;
  if (appKey === undefined) return refuse(res, 401, 'InvalidAuthentication', '不合法的access_token');
  const downloadCode = isRecord(body) && typeof body.downloadCode === 'string' ? body.downloadCode : '';
  const robotCode = isRecord(body) && typeof body.robotCode === 'string' ? body.robotCode : '';
  if (!downloadCode) return refuse(res, 400, 'invalidParameter.downloadCode.empty', 'downloadCode is empty');
  if (!robotCode) return refuse(res, 400, 'invalidParameter.robotCode.empty', 'robotCode is empty');
  if (robotCode !== appKey) return refuse(res, 400, 'invalidParameter.robotCode.auth', 'the robot does not belong to this app');
  state.fileDownloads.push({ downloadCode, robotCode, appKey });
  const file = state.files.get(downloadCode);
  if (!file) return refuse(res, 400, 'invalidParameter.downloadCode.invalid', 'downloadCode is invalid or expired');
  const signature = randomBytes(8).toString('hex');
  sendJson(res, 200, { downloadUrl: file.downloadUrl ?? `${origin}${FILES_PATH_PREFIX}${encodeURIComponent(downloadCode)}?Signature=${signature}` });
}

/** `GET /files/<downloadCode>`: the file's bytes, as the storage behind a download URL serves them. */
export function handleFileGet(state: FakeDingTalkState, res: ServerResponse, url: URL): void {
  const file = state.files.get(decodeURIComponent(url.pathname.slice(FILES_PATH_PREFIX.length)));
  if (!file || !url.searchParams.get('Signature')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('NoSuchKey');
    return;
  }
  if (file.redirectTo !== undefined) {
    state.filesRedirected += 1;
    res.writeHead(307, { location: file.redirectTo }).end();
    return;
  }
  state.filesServed += 1;
  if (file.streamed) return streamFile(state, res, file);
  state.fileBytesSent += file.body.length;
  res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length }).end(file.body);
}

/** Chunked, each chunk written once the socket took the last: a reader that stops reading stops the writes. */
function streamFile(state: FakeDingTalkState, res: ServerResponse, file: FakeFile): void {
  const CHUNK = 64 * 1024;
  res.writeHead(200, { 'content-type': file.contentType });
  let at = 0;
  const writeMore = () => {
    while (at < file.body.length && !res.destroyed) {
      const chunk = file.body.subarray(at, at + CHUNK);
      at += chunk.length;
      state.fileBytesSent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', writeMore);
    }
    if (!res.destroyed) res.end();
  };
  res.on('close', () => res.removeAllListeners('drain'));
  writeMore();
}
