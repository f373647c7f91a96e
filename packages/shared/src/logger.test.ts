import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, logFormatFor, prettyTransport, stdoutLogDestination } from './logger.js';

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
      settings: { DIFY_API_KEY: 'app-SECRET11' },
      provider: { name: 'primary', dify: { baseUrl: 'https://api.dify.ai/v1', apiKey: 'app-SECRET12' } },
      dify: { apiKey: 'app-SECRET13' },
    });
    const line = lines.join('');
    const secrets = ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5', 'SECRET6', 'SECRET7', 'SECRET8', 'SECRET9', 'SECRET10'];
    for (const secret of [...secrets, 'SECRET11', 'SECRET12', 'SECRET13']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('visible-msg-id');
  });
});

describe('logFormatFor', () => {
  it.each([
    [{ isTTY: true, nodeEnv: undefined }, 'pretty'],
    [{ isTTY: true, nodeEnv: 'development' }, 'pretty'],
    [{ isTTY: true, nodeEnv: 'test' }, 'pretty'],
    [{ isTTY: true, nodeEnv: 'production' }, 'json'],
    [{ isTTY: false, nodeEnv: undefined }, 'json'],
    [{ isTTY: undefined, nodeEnv: 'development' }, 'json'],
    [{ isTTY: false, nodeEnv: 'production' }, 'json'],
  ] as const)('%o → %s', (output, format) => {
    expect(logFormatFor(output)).toBe(format);
  });
});

describe('prettyTransport', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dtbot-pretty-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a logged appSecret and session webhook → one readable line showing [redacted], neither secret', async () => {
    const file = path.join(dir, 'pretty.log');
    const transport = prettyTransport({ destination: file, colorize: false });
    const logger = createLogger('test', 'info', transport);
    logger.info(
      { robot: { appKey: 'dingvisible', appSecret: 'SECRET1' }, sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=SECRET2' },
      'robot ready',
    );
    transport.end();
    await once(transport, 'close');
    const output = readFileSync(file, 'utf8');
    expect(output.trimEnd().split('\n')).toHaveLength(1);
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(test\): robot ready /);
    expect(output).toContain('"appSecret":"[redacted]"');
    expect(output).toContain('"sessionWebhook":"[redacted]"');
    expect(output).toContain('dingvisible');
    expect(output).not.toContain('SECRET');
    // Pretty, not JSON: the line is not an object.
    expect(output.startsWith('{')).toBe(false);
  });
});

describe('stdoutLogDestination', () => {
  it('stdout not a terminal (as under vitest), NODE_ENV unset → JSON lines, no pretty transport', () => {
    expect(process.stdout.isTTY).not.toBe(true);
    const destination = stdoutLogDestination(undefined);
    // pino's JSON stdout destination is a SonicBoom writing to fd 1; a transport is a worker thread's stream.
    expect(destination).toMatchObject({ fd: 1 });
  });
});
