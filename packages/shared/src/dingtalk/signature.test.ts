import { describe, expect, it } from 'vitest';
import { sign, verifySignature, SIGNATURE_WINDOW_MS } from './signature.js';

describe('sign', () => {
  it.each([
    ['1577262236757', 'this is a secret', 'DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA='],
    ['1690362102194', 'testAppSecret123', 'ZbWotKGCR+Iwl2egJ17Im1ZnBL+RUrRcoqpNBTp+NQs='],
  ])('matches the DingTalk signature vector for %s / %s', (timestamp, secret, expected) => {
    expect(sign(timestamp, secret)).toBe(expected);
  });

  it('gives different signatures for other secrets and other timestamps', () => {
    const base = sign('1577262236757', 'this is a secret');
    expect(sign('1577262236757', 'another secret')).not.toBe(base);
    expect(sign('1577262236758', 'this is a secret')).not.toBe(base);
    expect(sign('1690362102194', '钉钉密钥🔑')).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
});

describe('verifySignature', () => {
  const secret = 'this is a secret';
  const now = 1_700_000_000_000;
  const at = (offsetMs: number) => {
    const timestamp = String(now + offsetMs);
    return { timestamp, sign: sign(timestamp, secret) };
  };

  it('accepts a fresh, correct signature and names the secret that matched', () => {
    expect(verifySignature({ ...at(0), secrets: ['other', secret], now })).toEqual({ result: 'ok', secretIndex: 1 });
  });

  it('accepts 59 minutes of skew either way', () => {
    expect(verifySignature({ ...at(-59 * 60_000), secrets: [secret], now }).result).toBe('ok');
    expect(verifySignature({ ...at(59 * 60_000), secrets: [secret], now }).result).toBe('ok');
    expect(verifySignature({ ...at(-SIGNATURE_WINDOW_MS), secrets: [secret], now }).result).toBe('ok');
  });

  it('refuses 61 minutes in the past and in the future as stale', () => {
    expect(verifySignature({ ...at(-61 * 60_000), secrets: [secret], now }).result).toBe('stale');
    expect(verifySignature({ ...at(61 * 60_000), secrets: [secret], now }).result).toBe('stale');
    expect(verifySignature({ ...at(SIGNATURE_WINDOW_MS + 1), secrets: [secret], now }).result).toBe('stale');
  });

  it('refuses a signature made with another secret, or tampered, as a mismatch', () => {
    const timestamp = String(now);
    expect(verifySignature({ timestamp, sign: sign(timestamp, 'wrong'), secrets: [secret], now }).result).toBe('mismatch');
    expect(verifySignature({ timestamp, sign: `${sign(timestamp, secret)}x`, secrets: [secret], now }).result).toBe('mismatch');
    expect(verifySignature({ timestamp, sign: 'short', secrets: [secret], now }).result).toBe('mismatch');
  });

  it('reports missing headers and rejects non-numeric timestamps', () => {
    expect(verifySignature({ timestamp: undefined, sign: 'x', secrets: [secret], now }).result).toBe('missing');
    expect(verifySignature({ timestamp: String(now), sign: undefined, secrets: [secret], now }).result).toBe('missing');
    expect(verifySignature({ timestamp: 'abc', sign: 'x', secrets: [secret], now }).result).toBe('stale');
  });
});
