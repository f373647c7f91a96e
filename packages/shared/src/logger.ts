import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino blanks in every line. A `sessionWebhook` URL is itself a credential (its `session`
 * query), so it is redacted like the API keys.
 */
export const REDACTED_PATHS = [
  'sessionWebhook',
  '*.sessionWebhook',
  'data.sessionWebhook',
  'job.data.sessionWebhook',
  'headers.sign',
  '*.headers.sign',
  'req.headers.sign',
  'req.headers.authorization',
  'headers.authorization',
  'apiKey',
  '*.apiKey',
  'appSecret',
  '*.appSecret',
  'accessToken',
  '*.accessToken',
  // Stream mode: the single-use ticket of a connection, and the secret that obtains one.
  'ticket',
  '*.ticket',
  'clientSecret',
  '*.clientSecret',
  'OPENAI_API_KEY',
  'AZURE_OPENAI_API_KEY',
  'DIFY_API_KEY',
  'DINGTALK_APP_SECRET',
  'DINGTALK_CREDENTIALS',
  'DASHBOARD_PASSWORD',
  '*.OPENAI_API_KEY',
  '*.AZURE_OPENAI_API_KEY',
  '*.DIFY_API_KEY',
  // A Dify app as its provider carries it (`provider.dify.apiKey`).
  '*.dify.apiKey',
  'headers["api-key"]',
  '*.headers["api-key"]',
  '*.DINGTALK_APP_SECRET',
  '*.DINGTALK_CREDENTIALS',
  '*.DASHBOARD_PASSWORD',
];

export type LogFormat = 'pretty' | 'json';

/**
 * How an app writes its lines: pretty for a person at a terminal, JSON for everything that reads logs (a pipe, a
 * file, a log collector). Production is always JSON, even under `docker run -t`, where a terminal is attached but
 * the lines still go to a collector.
 */
export function logFormatFor(output: { isTTY: boolean | undefined; nodeEnv: string | undefined }): LogFormat {
  return output.isTTY === true && output.nodeEnv !== 'production' ? 'pretty' : 'json';
}

/**
 * pino-pretty as a pino transport (its own thread, so the app's event loop does not format lines). pino redacts a line
 * before any transport sees it, so pretty lines are redacted as the JSON ones are. The target is resolved here, from
 * this package, where pino-pretty is a dependency, not from whichever app calls.
 */
export function prettyTransport(options: { destination?: number | string; colorize?: boolean } = {}): ReturnType<typeof pino.transport> {
  return pino.transport({
    target: createRequire(import.meta.url).resolve('pino-pretty'),
    options: {
      destination: options.destination ?? 1,
      // Unset: colours when the terminal supports them (and NO_COLOR is not set).
      ...(options.colorize === undefined ? {} : { colorize: options.colorize }),
      // One line per entry keeps a busy terminal scannable; `service` repeats the name pino-pretty already shows.
      singleLine: true,
      ignore: 'service',
      translateTime: 'SYS:HH:MM:ss.l',
    },
  });
}

/**
 * A logger for one app, writing JSON lines to `destination`, by default stdout asynchronously (lines logged while a
 * write is in flight go out together): a synchronous write per line costs the gateway a large share of its acks per
 * second. pino flushes what is buffered when the process exits. The apps pass `stdoutLogDestination`, which makes
 * the lines pretty at a terminal.
 */
export function createLogger(name: string, level: string, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, destination ?? jsonToStdout());
}

/** An app's stdout as `logFormatFor` says: pretty for a terminal outside production, else JSON. */
export function stdoutLogDestination(nodeEnv: string | undefined): pino.DestinationStream {
  return logFormatFor({ isTTY: process.stdout.isTTY, nodeEnv }) === 'pretty' ? prettyTransport() : jsonToStdout();
}

function jsonToStdout(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

export type { Logger };
