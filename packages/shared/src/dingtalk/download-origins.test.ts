import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DINGTALK_DOWNLOAD_ORIGINS, DOWNLOAD_ORIGIN_PATTERN, downloadOriginsFor, isAllowedDownload } from './download-origins.js';

const patterns = ['https://*.aliyuncs.com', 'https://down.dingtalk.com', 'http://127.0.0.1:8080'];

describe('isAllowedDownload', () => {
  it.each([
    ['https://dingtalk-bucket.oss-cn-hangzhou.aliyuncs.com/a.png?Signature=x', true],
    ['https://down.dingtalk.com/media/a.png', true],
    ['http://127.0.0.1:8080/files/a', true],
    ['https://aliyuncs.com/a.png', false],
    ['https://evil-aliyuncs.com/a.png', false],
    ['http://bucket.oss-cn-hangzhou.aliyuncs.com/a.png', false],
    ['https://bucket.oss-cn-hangzhou.aliyuncs.com:8443/a.png', false],
    ['https://static.dingtalk.com/a.png', false],
    ['http://127.0.0.1:9090/files/a', false],
    ['https://user:pass@down.dingtalk.com/a.png', false],
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedDownload(new URL(url), patterns)).toBe(allowed);
  });
});

describe('downloadOriginsFor', () => {
  it('DingTalk\'s own OpenAPI → DingTalk\'s storage alone: its buckets and hosts, nothing else', () => {
    expect(downloadOriginsFor('https://api.dingtalk.com')).toEqual(['https://*.dingtalk.com', 'https://*.aliyuncs.com']);
    expect(downloadOriginsFor('https://api.dingtalk.com/')).toEqual([...DINGTALK_DOWNLOAD_ORIGINS]);
    const allowed = downloadOriginsFor('https://api.dingtalk.com');
    expect(isAllowedDownload(new URL('https://bucket.oss-cn-hangzhou.aliyuncs.com/a.png'), allowed)).toBe(true);
    expect(isAllowedDownload(new URL('https://down.dingtalk.com/a.png'), allowed)).toBe(true);
    expect(isAllowedDownload(new URL('http://127.0.0.1:8080/files/a'), allowed)).toBe(false);
    expect(isAllowedDownload(new URL('https://evil.example/a.png'), allowed)).toBe(false);
  });

  it('a proxy or a fake as the OpenAPI → its origin as well, and no other', () => {
    const allowed = downloadOriginsFor('http://127.0.0.1:4100/api');
    expect(allowed).toEqual([...DINGTALK_DOWNLOAD_ORIGINS, 'http://127.0.0.1:4100']);
    expect(isAllowedDownload(new URL('http://127.0.0.1:4100/files/a?Signature=x'), allowed)).toBe(true);
    expect(isAllowedDownload(new URL('http://localhost:4100/files/a'), allowed)).toBe(false);
    expect(isAllowedDownload(new URL('http://127.0.0.1:4101/files/a'), allowed)).toBe(false);
  });

  it('any other base: its own origin is allowed (a valid pattern), and a host that is neither it nor DingTalk\'s is not', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['http', 'https'] }), fc.domain(), (apiBase, other) => {
        const base = new URL(apiBase);
        fc.pre(base.origin !== 'https://api.dingtalk.com' && base.hostname !== other);
        fc.pre(!/(^|\.)(dingtalk\.com|aliyuncs\.com)$/.test(other));
        const allowed = downloadOriginsFor(apiBase);
        expect(allowed.every((origin) => DOWNLOAD_ORIGIN_PATTERN.test(origin))).toBe(true);
        expect(isAllowedDownload(new URL('/files/a', base.origin), allowed)).toBe(true);
        expect(isAllowedDownload(new URL(`${base.protocol}//${other}/files/a`), allowed)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
