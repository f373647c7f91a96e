// Child process of the ack scenario: what each part of our gateway's store path costs per callback,
// each part timed on its own over the same callbacks, the Redis parts against the real Redis with as many
// callbacks in flight as the load has connections. A fresh process, so no round's garbage or JIT state is
// counted. Prints one JSON line. env: REDIS_URL, REDIS_PREFIX; argv: callbacks per part and pass, callbacks in
// flight, measured passes (after one warm-up pass).
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { createQueue, MESSAGE_JOB_ATTEMPTS, messageJobOptions } from '@dtbot/queue';
import {
  callbackSchema,
  createRedis,
  isAllowedWebhook,
  lanePolicyFrom,
  loadGatewayConfig,
  MESSAGE_QUEUE_NAME,
  normaliseOrigins,
  queueShards,
  robotCodesOf,
  verifySignature,
} from '@dtbot/shared';
import { signedHeaders } from '@dtbot/testkit';
import { APP_SECRET, createLoadBodies, ROBOT_CODE } from './callbacks.mjs';

const GATEWAY = '../../apps/gateway/dist/';
const { acceptMessage } = await import(`${GATEWAY}accept/accept-message.js`);
const { DEDUPE_TTL_MS, ENQUEUE_TIMEOUT_MS, planStore, storeMessageJob } = await import(`${GATEWAY}accept/enqueue-message.js`);
const { refuseExpiredWebhook } = await import(`${GATEWAY}accept/webhook-expiry.js`);
const { robotCodeFor } = await import(`${GATEWAY}accept/robot-code.js`);
const { createGatewayMetrics } = await import(`${GATEWAY}metrics.js`);
const { CALLBACK_BODY_MAX_BYTES } = await import(`${GATEWAY}middleware/read-body.js`);
const { shardStores } = await import(`${GATEWAY}shard-stores.js`);
// The gateway's own copy of raw-body, the one its body middleware calls.
const getRawBody = createRequire(new URL(`${GATEWAY}main.js`, import.meta.url))('raw-body');

const [countArg = '5000', inFlightArg = '64', passesArg = '3'] = process.argv.slice(2);
const PASSES = Number(passesArg);
const COUNT = Number(countArg);
const IN_FLIGHT = Number(inFlightArg);
const WEBHOOK_ORIGIN = 'http://127.0.0.1:9';

// The settings the ack scenario gives the gateway, with the schema's defaults for the rest.
const { config } = loadGatewayConfig({
  REDIS_URL: process.env.REDIS_URL,
  REDIS_PREFIX: process.env.REDIS_PREFIX,
  DINGTALK_APP_KEY: ROBOT_CODE,
  DINGTALK_APP_SECRET: APP_SECRET,
  DINGTALK_WEBHOOK_ORIGINS: WEBHOOK_ORIGIN,
  QUEUE_NOTICE_AFTER_MS: '5000',
});
const redis = createRedis({ url: process.env.REDIS_URL, failFast: true, connectionName: 'dtbot-bench-store-path' });
if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
const shards = shardStores(redis, queueShards(process.env.REDIS_PREFIX, 1), MESSAGE_QUEUE_NAME, {
  defaultJobOptions: messageJobOptions(MESSAGE_JOB_ATTEMPTS),
  dedupeTtlMs: DEDUPE_TTL_MS,
});
const naiveQueue = createQueue('messages', { connection: redis, prefix: `${process.env.REDIS_PREFIX}naive` });
const robot = { robotCode: ROBOT_CODE, appKey: ROBOT_CODE, appSecret: APP_SECRET, options: { memoryScope: 'user' } };
const robots = [robot];
const secrets = robots.map((r) => r.appSecret);
const allowedOrigins = normaliseOrigins(config.DINGTALK_WEBHOOK_ORIGINS);
const enqueue = {
  shards,
  timeoutMs: ENQUEUE_TIMEOUT_MS,
  isConnected: () => redis.status === 'ready',
  robotCodes: robotCodesOf(robots),
  lanes: lanePolicyFrom(config),
  noticeAfterMs: config.QUEUE_NOTICE_AFTER_MS,
};
const metrics = createGatewayMetrics();
const storedCounter = metrics.callbacks.labels('stored');

/** The inputs of one pass: bodies as the load sends them, and headers signed a moment apart. */
function inputs(label) {
  const next = createLoadBodies({ label, webhookOrigin: WEBHOOK_ORIGIN });
  const now = Date.now();
  return Array.from({ length: COUNT }, (_, index) => {
    const { body } = next();
    return { body, buffer: Buffer.from(body), headers: signedHeaders(APP_SECRET, now - (index % 5000)) };
  });
}

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** CPU and wall time per item of `fn` over every item, `inFlight` at a time (1 = one after the other). */
async function timeEach(items, fn, inFlight = 1) {
  const cpu = cpuMicros();
  const wall = process.hrtime.bigint();
  if (inFlight === 1) {
    for (let index = 0; index < items.length; index += 1) {
      const pending = fn(items[index], index);
      if (pending) await pending;
    }
  } else {
    let at = 0;
    const lane = async () => {
      while (at < items.length) {
        const index = at;
        at += 1;
        await fn(items[index], index);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  }
  return { cpuUs: (cpuMicros() - cpu) / items.length, wallUs: Number(process.hrtime.bigint() - wall) / 1000 / items.length };
}

/** Every part over one pass of fresh callbacks. */
async function pass(label) {
  const items = inputs(label);
  const parts = {};
  const texts = new Array(COUNT);
  parts.signature = await timeEach(items, ({ headers }) => {
    if (verifySignature({ timestamp: headers.timestamp, sign: headers.sign, secrets }).result !== 'ok') throw new Error('signature');
  });
  parts.bodyRead = await timeEach(items, async ({ buffer }, index) => {
    const stream = new PassThrough();
    stream.end(buffer);
    texts[index] = (await getRawBody(stream, { limit: CALLBACK_BODY_MAX_BYTES, length: String(buffer.length) })).toString('utf8');
  });
  const parsed = new Array(COUNT);
  parts.jsonParse = await timeEach(texts, (text, index) => {
    parsed[index] = JSON.parse(text);
  });
  const messages = new Array(COUNT);
  parts.validation = await timeEach(parsed, (body, index) => {
    const result = callbackSchema.safeParse(body);
    if (!result.success) throw new Error('invalid');
    messages[index] = result.data;
  });
  const now = Date.now();
  const codes = new Array(COUNT);
  parts.webhookChecks = await timeEach(messages, (message, index) => {
    if (!isAllowedWebhook(message.sessionWebhook, allowedOrigins)) throw new Error('webhook');
    refuseExpiredWebhook(message, now);
    codes[index] = robotCodeFor(robot, message, enqueue.robotCodes);
  });
  const plans = new Array(COUNT);
  parts.keysAndLane = await timeEach(messages, (message, index) => {
    plans[index] = planStore(enqueue, message, robot, codes[index]);
  });
  parts.store = await timeEach(
    plans,
    async (plan, index) => {
      const { stored } = await storeMessageJob(plan, messages[index]);
      if (stored !== 'new') throw new Error('not stored');
    },
    IN_FLIGHT,
  );
  // The naive gateway's add, for comparison: its body as it parsed it, no options, a plain queue.
  parts.naiveAdd = await timeEach(parsed, (body) => naiveQueue.add('message', body), IN_FLIGHT);
  parts.metrics = await timeEach(items, () => {
    const started = process.hrtime.bigint();
    storedCounter.inc();
    metrics.ackSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  });
  // The accept path as the route calls it, on fresh callbacks: its parts above should add up to it.
  const whole = inputs(`${label}w`);
  parts.acceptPath = await timeEach(whole, async ({ body }) => {
    const { stored } = await acceptMessage({ enqueue, allowedOrigins }, body, robot, { bodyAuthenticated: false });
    if (stored !== 'new') throw new Error('not stored');
  }, IN_FLIGHT);
  return { parts };
}

// Each part's least CPU over the measured passes: other work on the machine only ever adds to a pass's time.
await pass('warm');
const parts = {};
for (let number = 1; number <= PASSES; number += 1) {
  const measured = await pass(`parts${number}`);
  for (const [name, timing] of Object.entries(measured.parts)) if (!parts[name] || timing.cpuUs < parts[name].cpuUs) parts[name] = timing;
}
process.stdout.write(`${JSON.stringify({ count: COUNT, passes: PASSES, inFlight: IN_FLIGHT, parts })}\n`);
await Promise.all([naiveQueue, ...shards.map(({ queue }) => queue)].map((queue) => queue.close()));
redis.disconnect();
