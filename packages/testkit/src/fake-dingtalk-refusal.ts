import type { ServerResponse } from 'node:http';
import type { FakeRefusal } from './fake-dingtalk-state.js';
import { sendJson } from './http-json.js';

/** Sends a queued refusal as the answer: HTTP 200 with an errcode, or the status and body given. */
export function sendRefusal(res: ServerResponse, refusal: FakeRefusal): void {
  if ('errcode' in refusal) return sendJson(res, 200, { errcode: refusal.errcode, errmsg: refusal.errmsg ?? 'refused' });
  sendJson(res, refusal.status, refusal.body ?? {});
}
