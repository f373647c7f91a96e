import { createHmac, timingSafeEqual } from 'node:crypto';

/** DingTalk refuses (and so do we) callbacks whose timestamp is more than an hour away from now, either way. */
export const SIGNATURE_WINDOW_MS = 3_600_000;

/** Base64 HMAC-SHA256 of `timestamp + "\n" + secret`, keyed with the secret (docs/dingtalk-protocol.md, HTTP mode). */
export function sign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

export interface SignatureInput {
  timestamp: string | undefined;
  sign: string | undefined;
  secrets: readonly string[];
  now?: number;
}

/**
 * Checks a callback's `timestamp`/`sign` headers against every configured AppSecret.
 * Returns the index of the secret that matched, so several robots can share one endpoint.
 */
export function verifySignature(input: SignatureInput): { result: SignatureCheck; secretIndex: number } {
  const { timestamp, sign: given, secrets } = input;
  if (!timestamp || !given) return { result: 'missing', secretIndex: -1 };
  if (!/^\d{1,16}$/.test(timestamp)) return { result: 'stale', secretIndex: -1 };
  const now = input.now ?? Date.now();
  if (Math.abs(now - Number(timestamp)) > SIGNATURE_WINDOW_MS) return { result: 'stale', secretIndex: -1 };

  const givenBytes = Buffer.from(given, 'utf8');
  for (let index = 0; index < secrets.length; index += 1) {
    const expected = Buffer.from(sign(timestamp, secrets[index]!), 'utf8');
    // timingSafeEqual needs equal lengths; a length mismatch reveals nothing secret.
    if (expected.length === givenBytes.length && timingSafeEqual(expected, givenBytes)) {
      return { result: 'ok', secretIndex: index };
    }
  }
  return { result: 'mismatch', secretIndex: -1 };
}
