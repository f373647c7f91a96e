import { randomBytes } from 'node:crypto';
import { buildCallback, buildGroupCallback } from '@dtbot/testkit';
import { progress, sleep } from '../progress.mjs';
import { non2xx, sendBurst } from '../send.mjs';
import { withSystem } from '../system.mjs';

const RUN_ID = randomBytes(4).toString('hex');
const MODEL_LATENCY_MS = 300;
const WORKERS = 2;
const CONCURRENCY = 4;
const VIP = `bench-vip-${RUN_ID}`;

/**
 * A backlog of 200 as busy chats make one: 120 private chats with one question, 20 with two (a memory thread
 * each), and a group whose 40 members ask at once.
 */
function backlogMessages(dingtalk) {
  const messages = [];
  const add = (token, payload) => messages.push({ token, body: JSON.stringify(payload) });
  const privately = (user, index) => {
    const token = `lane-${RUN_ID}-${user}-${index}`;
    add(token, buildCallback({ msgId: `msgbench.${token}`, senderStaffId: `bench-${RUN_ID}-${user}`, conversationId: `cid-${RUN_ID}-${user}`, sessionWebhook: dingtalk.sessionWebhook(token), text: `问题 ${token}` }));
  };
  for (let user = 0; user < 140; user += 1) privately(user, 0);
  for (let user = 0; user < 20; user += 1) privately(user, 1);
  for (let member = 0; member < 40; member += 1) {
    const token = `lane-${RUN_ID}-group-${member}`;
    add(token, buildGroupCallback({ msgId: `msgbench.${token}`, senderStaffId: `bench-${RUN_ID}-member-${member}`, conversationId: `cid-${RUN_ID}-group`, sessionWebhook: dingtalk.sessionWebhook(token), text: `问题 ${token}` }));
  }
  return messages;
}

function probe(dingtalk, name, senderStaffId, text) {
  const token = `lane-${RUN_ID}-${name}`;
  const payload = buildCallback({ msgId: `msgbench.${token}`, senderStaffId, conversationId: `cid-${RUN_ID}-${name}`, sessionWebhook: dingtalk.sessionWebhook(token), text: text ?? `问题 ${token}` });
  return { token, body: JSON.stringify(payload) };
}

/**
 * 13. Priority lanes: 2 workers (4 slots each, model latency 300 ms) drain a backlog of 200 messages; while it
 * waits, a VIP's question, a command (`/help`, from a user with nothing else waiting) and, as the baseline, a
 * normal user's first question arrive together. Each one's rank: how many of the backlog messages still waiting
 * when it was acknowledged were answered before it.
 */
export async function priorityLanes(ctx) {
  const options = { label: 'lanes', openai: { latencyMs: MODEL_LATENCY_MS }, workers: WORKERS, env: { VIP_USERS: VIP }, workerEnv: { WORKER_CONCURRENCY: String(CONCURRENCY) } };
  return withSystem(ctx, options, async (system) => {
    const backlog = backlogMessages(system.dingtalk);
    progress(`lanes: ${backlog.length} messages in a burst, ${WORKERS} workers x ${CONCURRENCY} slots, model latency ${MODEL_LATENCY_MS} ms`);
    const backlogStatuses = await sendBurst(system.gateway.port, backlog, 64);
    await sleep(MODEL_LATENCY_MS);
    const probes = { vip: probe(system.dingtalk, 'vip', VIP), command: probe(system.dingtalk, 'command', `bench-${RUN_ID}-commander`, '/help'), normal: probe(system.dingtalk, 'normal', `bench-${RUN_ID}-newcomer`) };
    const ackedAt = Date.now();
    const probeStatuses = await sendBurst(system.gateway.port, Object.values(probes), 3);
    const wanted = new Set([...backlog, ...Object.values(probes)].map((message) => message.token));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && new Set(system.dingtalk.delivered().map((m) => m.target).filter((t) => wanted.has(t))).size < wanted.size) await sleep(50);

    const answeredAt = new Map();
    for (const message of system.dingtalk.delivered()) if (!answeredAt.has(message.target)) answeredAt.set(message.target, message.receivedAt);
    // A backlog message still waited when the probes came if its model request had not arrived by then.
    const startedAt = new Map();
    for (const request of system.openai.requests) {
      const token = /问题 (lane-[\w-]+)/.exec(JSON.stringify(request.body.messages ?? []))?.[1];
      if (token && !startedAt.has(token)) startedAt.set(token, request.receivedAt);
    }
    const waiting = backlog.filter((message) => (startedAt.get(message.token) ?? Infinity) > ackedAt);
    const rankOf = (token) => {
      const at = answeredAt.get(token);
      if (at === undefined) return undefined;
      const before = waiting.filter((message) => (answeredAt.get(message.token) ?? Infinity) < at).length;
      return { answeredBefore: before, ofWaiting: waiting.length, aheadOfPercent: Math.round((1000 * (waiting.length - before)) / waiting.length) / 10 };
    };
    const result = {
      backlog: backlog.length,
      workers: WORKERS,
      concurrency: CONCURRENCY,
      modelLatencyMs: MODEL_LATENCY_MS,
      vip: rankOf(probes.vip.token),
      command: rankOf(probes.command.token),
      normal: rankOf(probes.normal.token),
      non2xx: non2xx(backlogStatuses) + non2xx(probeStatuses),
      lost: [...wanted].filter((token) => !answeredAt.has(token)).length,
    };
    const line = (name) => (result[name] ? `${result[name].answeredBefore} of ${result[name].ofWaiting} before it` : 'not answered');
    progress(`lanes: VIP ${line('vip')}; command ${line('command')}; normal newcomer ${line('normal')}`);
    return result;
  });
}
