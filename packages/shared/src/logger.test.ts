import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('never writes secrets or session webhooks', () => {
    const { lines, stream } = capture();
    const logger = createLogger('test', 'info', stream);
    logger.info({
      sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=SECRET1',
      job: { data: { sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=SECRET2' } },
      config: { OPENAI_API_KEY: 'sk-SECRET3', DINGTALK_APP_SECRET: 'SECRET4', AZURE_OPENAI_API_KEY: 'SECRET7' },
      req: { headers: { sign: 'SECRET5', authorization: 'Basic SECRET6', 'api-key': 'SECRET8' } },
      ticket: 'SECRET9',
      body: { clientId: 'dingvisible', clientSecret: 'SECRET10' },
      msgId: 'visible-msg-id',
    });
    const line = lines.join('');
    for (const secret of ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5', 'SECRET6', 'SECRET7', 'SECRET8', 'SECRET9', 'SECRET10']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('visible-msg-id');
  });
});
