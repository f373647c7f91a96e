import { describe, expect, it } from 'vitest';
import { isAllowedDownload } from './download-origins.js';

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
