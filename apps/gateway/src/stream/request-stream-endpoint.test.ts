import { describe, expect, it } from 'vitest';
import { allowedEndpoint } from './request-stream-endpoint.js';

describe('allowedEndpoint', () => {
  it('takes any wss: endpoint DingTalk names', () => {
    expect(allowedEndpoint('wss://wss-open-connection-union.dingtalk.com:443/connect', 'https://api.dingtalk.com').href).toBe(
      'wss://wss-open-connection-union.dingtalk.com/connect',
    );
  });

  it('takes ws: only from a plain-HTTP API base on this machine (a test\'s fake), pointing to this machine', () => {
    expect(allowedEndpoint('ws://127.0.0.1:4000/connect', 'http://127.0.0.1:4000').protocol).toBe('ws:');
    expect(() => allowedEndpoint('ws://127.0.0.1:4000/connect', 'https://api.dingtalk.com')).toThrow(/ws: endpoint; only wss: is used/);
    expect(() => allowedEndpoint('ws://evil.example/connect', 'http://127.0.0.1:4000')).toThrow(/only wss: is used/);
    expect(() => allowedEndpoint('ws://127.0.0.1:4000/connect', 'http://api.example.com')).toThrow(/only wss: is used/);
  });

  it('refuses anything that is not a WebSocket URL', () => {
    expect(() => allowedEndpoint('https://wss-open-connection.dingtalk.com/connect', 'https://api.dingtalk.com')).toThrow(/https: endpoint/);
    expect(() => allowedEndpoint('not a url', 'https://api.dingtalk.com')).toThrow(/not a URL/);
  });
});
