import { describe, expect, it } from 'vitest';
import { loadGatewayConfig, loadWorkerConfig } from './load-config.js';
import { startSettings } from './start-settings.js';

describe('startSettings', () => {
  it('nothing set → the defaults the gateway and worker configs have', () => {
    const gateway = loadGatewayConfig({}).config;
    const worker = loadWorkerConfig({ OPENAI_API_KEY: 'sk-test' }).config;
    expect(startSettings({})).toEqual({
      PORT: String(gateway.PORT),
      GATEWAY_METRICS_PORT: String(gateway.GATEWAY_METRICS_PORT),
      METRICS_PORT: String(worker.METRICS_PORT),
      DINGTALK_MODE: gateway.DINGTALK_MODE,
    });
  });

  it('PORT=3000, GATEWAY_METRICS_PORT=9400, METRICS_PORT=9500, DINGTALK_MODE=both → those values', () => {
    expect(startSettings({ PORT: '3000', GATEWAY_METRICS_PORT: '9400', METRICS_PORT: '9500', DINGTALK_MODE: 'both' })).toEqual({
      PORT: '3000',
      GATEWAY_METRICS_PORT: '9400',
      METRICS_PORT: '9500',
      DINGTALK_MODE: 'both',
    });
  });

  it('empty and blank variables → the defaults, as the apps read them', () => {
    expect(startSettings({ PORT: '', METRICS_PORT: '  ', DINGTALK_MODE: '' })).toEqual(startSettings({}));
  });

  it("chatgpt-dingtalk's RUN_MODE=stream → DINGTALK_MODE stream; DINGTALK_MODE set as well → DINGTALK_MODE wins", () => {
    expect(startSettings({ RUN_MODE: 'stream' }).DINGTALK_MODE).toBe('stream');
    expect(startSettings({ RUN_MODE: 'stream', DINGTALK_MODE: 'both' }).DINGTALK_MODE).toBe('both');
  });

  it('a value the schema refuses (PORT=http, METRICS_PORT=-1) → passed on as written, for the app to name', () => {
    expect(startSettings({ PORT: 'http', METRICS_PORT: '-1' })).toMatchObject({ PORT: 'http', METRICS_PORT: '-1' });
  });
});
