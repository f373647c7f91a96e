// The baseline the gateway's ack rate is measured against, in the same run on the same Redis: what a
// first, naive version would be. Koa + @koa/router, the same DingTalk signature check, a JSON body
// parse and ONE BullMQ `queue.add` per request on a plain ioredis connection. No validation, no
// dedupe, no turn numbering, no metrics, no logging per request: everything ours adds is missing.
import { createServer } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { verifySignature } from '@dtbot/shared';

const { REDIS_URL, REDIS_PREFIX, DINGTALK_APP_SECRET, PORT = '0' } = process.env;
const secrets = [DINGTALK_APP_SECRET ?? ''];
const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const queue = new Queue('messages', { connection, prefix: REDIS_PREFIX });

const router = new Router();
router.post('/dingtalk/callback', async (ctx) => {
  const { result } = verifySignature({
    timestamp: ctx.get('timestamp') || undefined,
    sign: ctx.get('sign') || undefined,
    secrets,
  });
  if (result !== 'ok') {
    ctx.status = 401;
    ctx.body = { error: result };
    return;
  }
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  let body;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    ctx.status = 400;
    ctx.body = { error: 'malformed_json' };
    return;
  }
  await queue.add('message', body);
  ctx.body = {};
});

// Only so the bench can tell when it is up; not on the measured path.
router.get('/healthz', (ctx) => {
  ctx.body = { status: 'ok' };
});

const app = new Koa();
app.use(router.routes());
const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(PORT), '127.0.0.1');

const stop = async () => {
  server.close();
  server.closeIdleConnections();
  await queue.close().catch(() => undefined);
  connection.disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
