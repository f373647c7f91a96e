import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commonSchema } from '../config/schema.js';
import { DINGTALK_API_BASE, DINGTALK_LEGACY_API_BASE, isDingTalkOwnApi, legacyApiBaseFor } from './api-bases.js';

describe('legacyApiBaseFor', () => {
  it('is the schema default of DINGTALK_API_BASE_URL that counts as DingTalk\'s own', () => {
    expect(commonSchema.shape.DINGTALK_API_BASE_URL.parse(undefined)).toBe(DINGTALK_API_BASE);
  });

  it.each([
    ['https://api.dingtalk.com', DINGTALK_LEGACY_API_BASE],
    ['https://api.dingtalk.com/', DINGTALK_LEGACY_API_BASE],
    ['https://API.dingtalk.com:443/v1.0', DINGTALK_LEGACY_API_BASE],
    ['http://127.0.0.1:4100', 'http://127.0.0.1:4100'],
    ['https://dingtalk-proxy.corp.example/api', 'https://dingtalk-proxy.corp.example/api'],
    ['http://api.dingtalk.com', 'http://api.dingtalk.com'],
    ['https://api.dingtalk.com:8443', 'https://api.dingtalk.com:8443'],
  ])('%s → %s', (apiBase, legacy) => {
    expect(legacyApiBaseFor(apiBase)).toBe(legacy);
  });

  it('any base other than DingTalk\'s own origin serves the legacy routes itself', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['http', 'https'] }), (apiBase) => {
        fc.pre(!isDingTalkOwnApi(apiBase));
        expect(legacyApiBaseFor(apiBase)).toBe(apiBase);
      }),
      { numRuns: 300 },
    );
  });
});
