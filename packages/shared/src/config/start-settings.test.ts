import { describe, expect, it } from 'vitest';
import { loadGatewayConfig, loadWorkerConfig } from './load-config.js';
import { startSettings } from './start-settings.js';

describe('startSettings', () => {
  it('nothing set → the defaults the gateway and worker configs have', () => {
    const gateway = loadGatewayConfig({}).config;
    const worker = loadWorkerConfig({ OPENAI_API_KEY: 'sk-test' }).config;
    expect(startSettings({})).toEqual({
      PORT: String(gateway.PORT),
      gatewayMetricsPort: String(gateway.METRICS_PORT),
      METRICS_PORT: String(worker.METRICS_PORT),
      DINGTALK_MODE: gateway.DINGTALK_MODE,
    });
  });

  it('PORT=3000, METRICS_PORT=9500, DINGTALK_MODE=both → those values, and the gateway\'s metrics on 9499, below the first worker\'s', () => {
    expect(startSettings({ PORT: '3000', METRICS_PORT: '9500', DINGTALK_MODE: 'both' })).toEqual({
      PORT: '3000',
      gatewayMetricsPort: '9499',
      METRICS_PORT: '9500',
      DINGTALK_MODE: 'both',
    });
  });

  it('METRICS_PORT=0 (any free port) → 0 for the gateway too; METRICS_PORT=1 → 0, never a negative port', () => {
    expect(startSettings({ METRICS_PORT: '0' })).toMatchObject({ gatewayMetricsPort: '0', METRICS_PORT: '0' });
    expect(startSettings({ METRICS_PORT: '1' })).toMatchObject({ gatewayMetricsPort: '0', METRICS_PORT: '1' });
  });

  it('empty and blank variables → the defaults, as the apps read them', () => {
    expect(startSettings({ PORT: '', METRICS_PORT: '  ', DINGTALK_MODE: '' })).toEqual(startSettings({}));
  });

  it("chatgpt-dingtalk's RUN_MODE=stream → DINGTALK_MODE stream; DINGTALK_MODE set as well → DINGTALK_MODE wins", () => {
    expect(startSettings({ RUN_MODE: 'stream' }).DINGTALK_MODE).toBe('stream');
    expect(startSettings({ RUN_MODE: 'stream', DINGTALK_MODE: 'both' }).DINGTALK_MODE).toBe('both');
  });

  it('a value the schema refuses (PORT=http, METRICS_PORT=-1) → passed on as written, for the app to name', () => {
    expect(startSettings({ PORT: 'http', METRICS_PORT: '-1' })).toMatchObject({ PORT: 'http', METRICS_PORT: '-1', gatewayMetricsPort: '9463' });
  });
});
