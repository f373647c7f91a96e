import { describe, expect, it } from 'vitest';
import { playgroundStartLine } from './playground-start-line.js';

describe('playgroundStartLine', () => {
  it('says loopback only, and why, when the playground stands in for missing credentials', () => {
    expect(playgroundStartLine({ host: '127.0.0.1', loopbackBecause: 'no DingTalk credentials are set' }, 8090).line).toBe(
      'playground at http://127.0.0.1:8090/playground (loopback only: no DingTalk credentials are set; set DINGTALK_APP_SECRET to take DingTalk\'s messages)',
    );
  });

  it.each([
    ['0.0.0.0', 'http://localhost:8090/playground'],
    ['::', 'http://localhost:8090/playground'],
    ['10.0.0.5', 'http://10.0.0.5:8090/playground'],
    ['::1', 'http://[::1]:8090/playground'],
  ])('gives a gateway with robots listening on %s the address %s', (host, url) => {
    expect(playgroundStartLine({ host }, 8090)).toEqual({ url, line: `playground on at ${url}` });
  });
});
