import { describe, expect, it } from 'vitest';
import { proxyRules } from './proxy-rules.js';

const HTTP = 'http://proxy.corp:3128';
const HTTPS = 'http://tls-proxy.corp:3129';

describe('proxyRules', () => {
  it('sends nothing through a proxy when none is set', () => {
    const rules = proxyRules({});
    expect(rules.configured).toBe(false);
    expect(rules.proxyFor('https://api.openai.com/v1')).toBeUndefined();
  });

  it('uses HTTP_PROXY for http and ws, HTTPS_PROXY for https and wss', () => {
    const rules = proxyRules({ HTTP_PROXY: HTTP, HTTPS_PROXY: HTTPS });
    expect(rules.proxyFor('http://oapi.dingtalk.com/robot')).toBe(HTTP);
    expect(rules.proxyFor('ws://example.com/connect')).toBe(HTTP);
    expect(rules.proxyFor('https://api.dingtalk.com/v1.0')).toBe(HTTPS);
    expect(rules.proxyFor('wss://wss-open-connection.dingtalk.com/connect')).toBe(HTTPS);
  });

  it('uses HTTP_PROXY for https too when HTTPS_PROXY is unset (chatgpt-dingtalk sets only HTTP_PROXY)', () => {
    expect(proxyRules({ HTTP_PROXY: HTTP }).proxyFor('https://api.openai.com/v1')).toBe(HTTP);
  });

  const noProxy = ['localhost', '.internal.corp', '*.svc.cluster.local', 'llm.corp:8000', '10.0.0.0/8', '[::1]', 'fd00::/8'];
  it.each([
    ['http://localhost:8080/x', undefined],
    ['http://api.internal.corp/x', undefined],
    ['http://internal.corp/x', undefined],
    ['http://redis.default.svc.cluster.local/x', undefined],
    ['http://llm.corp:8000/v1', undefined],
    ['http://llm.corp:9000/v1', HTTP],
    ['http://10.1.2.3/x', undefined],
    ['http://11.1.2.3/x', HTTP],
    ['http://[::1]:9000/x', undefined],
    ['http://[fd00::5]/x', undefined],
    ['http://notlocalhost/x', HTTP],
    ['https://api.openai.com/v1', HTTP],
  ])('with NO_PROXY, %s goes through %s', (url, proxy) => {
    expect(proxyRules({ HTTP_PROXY: HTTP, NO_PROXY: noProxy }).proxyFor(url)).toBe(proxy);
  });

  it('reaches everything directly with NO_PROXY=*', () => {
    expect(proxyRules({ HTTP_PROXY: HTTP, NO_PROXY: ['*'] }).proxyFor('https://api.openai.com')).toBeUndefined();
  });

  it('matches host names without regard to case', () => {
    expect(proxyRules({ HTTP_PROXY: HTTP, NO_PROXY: ['Example.COM'] }).proxyFor('http://WWW.example.com/')).toBeUndefined();
  });
});
