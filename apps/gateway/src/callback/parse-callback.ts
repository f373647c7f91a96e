import { callbackSchema, isAllowedWebhook, type DingTalkCallback } from '@dtbot/shared';
import { callbackError } from './callback-errors.js';

/** Validates a signed body as a robot message whose reply URL points at DingTalk. */
export function parseCallback(body: unknown, allowedOrigins: readonly string[]): DingTalkCallback {
  const parsed = callbackSchema.safeParse(body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    throw callbackError('invalid_payload', `check ${fields.join(', ')}`);
  }
  if (!isAllowedWebhook(parsed.data.sessionWebhook, allowedOrigins)) throw callbackError('webhook_not_allowed');
  return parsed.data;
}
