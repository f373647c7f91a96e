import { performance } from 'node:perf_hooks';
import { tallyAnswers, waitForAnswers } from '../answers.mjs';
import { DISTURBED_CORES, watchCpu } from '../cpu-usage.mjs';
import { ROBOT_CODE, trackedMessage } from '../callbacks.mjs';
import { progress, sleep } from '../progress.mjs';
import { percentile, round } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const MESSAGES = 1000;
const PER_SECOND = 200;
/**
 * Two gateway processes holding one robot's connections, as replicas do: DingTalk spreads pushes
 * over them and may push one message to both, which only Redis can tell apart. (One process with
 * two robots would show two sockets, but no duplicate across processes.)
 */
const GATEWAYS = 2;
const WORKERS = 2;
const MODEL_LATENCY_MS = 50;
/** Every 10th message is pushed again at once to the other gateway, under a new messageId. */
const PUSHED_TWICE_EVERY = 10;
const WARMUP_MESSAGES = 20;
/** A push not ACKed within this long counts as unacknowledged (DingTalk would push it again). */
const ACK_DEADLINE_MS = 30_000;

/**
 * 7. Stream ingress: robot messages pushed by the fake Stream server at a steady rate over two
 * gateways' connections; ACK latency, ACK before the answer for every message, answered once.
 */
export async function streamAck(ctx) {
  const options = {
    label: 'stream',
    openai: { latencyMs: MODEL_LATENCY_MS },
    workers: WORKERS,
    stream: { gateways: GATEWAYS, fake: { redeliverAfterMs: ACK_DEADLINE_MS, maxRedeliveries: 0 } },
  };
  return withSystem(ctx, options, async (system) => {
    const fake = system.stream;
    await fake.until(() => fake.liveConnections(ROBOT_CODE).length === GATEWAYS, { timeoutMs: 15_000, what: 'both gateways connected' });
    const connections = fake.liveConnections(ROBOT_CODE);

    const warmup = Array.from({ length: WARMUP_MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'stream-warm', index));
    await Promise.all(warmup.map((message, index) => fake.pushMessage(connections[index % GATEWAYS], message.body)));
    await waitForAnswers(system.dingtalk, warmup.map((message) => message.token), { deadline: Date.now() + 20_000, settleMs: 0 });

    const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'stream', index));
    progress(`stream: pushing ${MESSAGES} messages at ${PER_SECOND}/s over ${GATEWAYS} gateways, every ${PUSHED_TWICE_EVERY}th to both`);
    const pushes = [];
    const gatewayPids = system.gateways.map((gateway) => gateway.pid);
    const workerPids = system.workers.map((worker) => worker.pid);
    const watch = watchCpu([...gatewayPids, ...workerPids, ctx.redisPid ?? 0, process.pid]);
    const started = performance.now();
    for (const [index, message] of messages.entries()) {
      const wait = started + (index * 1000) / PER_SECOND - performance.now();
      if (wait > 1) await sleep(wait);
      const first = connections[index % GATEWAYS];
      pushes.push({ token: message.token, again: false, delivery: fake.pushMessage(first, message.body) });
      if (index % PUSHED_TWICE_EVERY === 0) {
        const other = connections[(index + 1) % GATEWAYS];
        pushes.push({ token: message.token, again: true, delivery: fake.pushMessage(other, message.body) });
      }
    }
    const settled = await Promise.all(pushes.map(async (push) => ({ ...push, delivery: await push.delivery })));
    const cpu = watch.stop();
    const sum = (values) => values.reduce((total, value) => total + value, 0);
    const own = cpu.ownCores;
    const tokens = messages.map((message) => message.token);
    const tally = await waitForAnswers(system.dingtalk, tokens, {
      deadline: Date.now() + 60_000,
      onProgress: (count) => progress(`stream: ${count}/${MESSAGES} answered`),
    });
    const warm = tallyAnswers(system.dingtalk, warmup.map((message) => message.token));

    const acked = settled.filter((push) => push.delivery.ack);
    const latencies = acked.map((push) => push.delivery.ack.latencyMs);
    // Per message: the first push's ACK reached DingTalk before the answer did.
    const ackedAt = new Map(settled.filter((push) => !push.again && push.delivery.ack).map((push) => [push.token, push.delivery.ack.receivedAt]));
    const answeredBeforeAck = [...tally.firstAnswerAt].filter(([token, answerAt]) => !(ackedAt.get(token) < answerAt)).length;
    const result = {
      messages: MESSAGES,
      pushedTwice: settled.filter((push) => push.again).length,
      perSecond: PER_SECOND,
      gateways: GATEWAYS,
      workers: WORKERS,
      modelLatencyMs: MODEL_LATENCY_MS,
      ackMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), max: round(percentile(latencies, 100), 2) },
      unacked: settled.length - acked.length,
      notOk: acked.filter((push) => push.delivery.ack.code !== 200).length,
      answeredBeforeAck,
      protocolErrors: fake.protocolErrors.length,
      // Cores busy on average while pushing: gateways, workers, Redis, this process (the fakes), the rest.
      cpuCores: {
        gateways: round(sum(own.slice(0, GATEWAYS)), 2),
        workers: round(sum(own.slice(GATEWAYS, GATEWAYS + WORKERS)), 2),
        redis: ctx.redisPid ? round(own[GATEWAYS + WORKERS], 2) : undefined,
        fakes: round(own[GATEWAYS + WORKERS + 1], 2),
        other: round(cpu.otherCores, 2),
      },
      disturbed: cpu.otherCores > DISTURBED_CORES,
      lost: tally.lost + warm.lost,
      duplicated: tally.duplicated + warm.duplicated,
      failed: tally.failed + warm.failed,
    };
    progress(
      `stream: ACK p50 ${result.ackMs.p50} ms, p99 ${result.ackMs.p99} ms; unacked ${result.unacked}, answered before ACK ${answeredBeforeAck}; ` +
        `lost ${result.lost}, duplicated ${result.duplicated}, failed ${result.failed}`,
    );
    return result;
  });
}
