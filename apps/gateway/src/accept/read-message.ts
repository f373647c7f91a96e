import { callbackSchema, isAllowedWebhook, type DingTalkCallback } from '@dtbot/shared';
import { Refusal } from './refusal.js';

/**
 * Reads a robot message (the JSON text DingTalk posts, or pushes as a Stream frame's `data`) and
 * checks that its reply URL points at DingTalk.
 */
export function readMessage(json: string, allowedOrigins: readonly string[]): DingTalkCallback {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (error) {
    throw new Refusal('malformed_json', undefined, { cause: error });
  }
  const parsed = callbackSchema.safeParse(body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    throw new Refusal('invalid_payload', `check ${fields.join(', ')}`);
  }
  if (!isAllowedWebhook(parsed.data.sessionWebhook, allowedOrigins)) {
    throw new Refusal('webhook_not_allowed', undefined, { msgId: parsed.data.msgId });
  }
  return parsed.data;
}
