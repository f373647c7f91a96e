import { Cluster, Redis } from 'ioredis';
import { startRedisCluster, startRedisServer } from '@dtbot/redis-server';
import { queueShards } from '@dtbot/shared';
import { cleanupPrefix } from '@dtbot/testkit';
import { tallyAnswers, waitForAnswers } from '../answers.mjs';
import { trackedMessage } from '../callbacks.mjs';
import { DISTURBED_CORES, watchCpu } from '../cpu-usage.mjs';
import { progress, sleep } from '../progress.mjs';
import { commandCalls, commandsPer } from '../redis-commands.mjs';
import { non2xx, sendBurst } from '../send.mjs';
import { round } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const MESSAGES = 3000;
const WORKERS = 2;
const MODEL_LATENCY_MS = 20;
const DEADLINE_MS = 120_000;

/**
 * 11. Redis capacity: how many messages a second one Redis node takes, and what three shards on a 3-master
 * cluster change. On 2 cores the workers saturate the machine long before Redis does, so Redis' share is
 * measured instead of reached: its own CPU time (INFO cpu, main thread) per message, while the gateway stores
 * N messages (no worker running) and while 2 workers answer them. A node is saturated when its main thread is
 * busy all the time, so 1 s divided by its CPU per message is what it can take. First on one redis-server with
 * one queue shard, then on a 3-master cluster with 3 shards, where the busiest master sets the limit.
 */
export async function redisCapacity(ctx) {
  const single = await measureOn(ctx, 'single');
  const sharded = await measureOn(ctx, 'cluster');
  return {
    messages: MESSAGES,
    workers: WORKERS,
    modelLatencyMs: MODEL_LATENCY_MS,
    single,
    sharded,
    capacityRatio: round(sharded.capacityPerSecond / single.capacityPerSecond, 2),
  };
}

async function measureOn(ctx, kind) {
  const shards = kind === 'single' ? 1 : 3;
  const server = kind === 'single' ? await startRedisServer() : undefined;
  const cluster = kind === 'cluster' ? await startRedisCluster({ masters: 3 }) : undefined;
  const ports = server ? [server.port] : cluster.nodes.map((node) => node.port);
  const pids = server ? [server.process.pid] : cluster.servers.map((node) => node.process.pid);
  // One direct connection per node: INFO of that node alone.
  const nodes = ports.map((port) => new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null }));
  const client = server ? nodes[0] : new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: null } });
  try {
    const own = {
      ...ctx,
      redisUrl: server ? server.url : ctx.redisUrl,
      redisPid: undefined,
      newPrefix: (label) => ctx.newPrefix(label),
      cleanupPrefix: async (prefix) => {
        for (const shard of queueShards(prefix, shards)) await cleanupPrefix(client, shard.prefix);
      },
    };
    const env = { QUEUE_SHARDS: String(shards), ...(cluster ? { REDIS_CLUSTER_NODES: cluster.nodeList } : {}) };
    return await withSystem(own, { label: `capacity-${kind}`, openai: { latencyMs: MODEL_LATENCY_MS }, env }, async (system) => {
      const label = `capacity-${kind}`;
      const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, label, index));
      const tokens = messages.map((message) => message.token);

      progress(`${label}: storing ${MESSAGES} messages (${shards} shard(s)), no worker running`);
      let before = await redisCpu(nodes);
      // This process sends the callbacks: its CPU is the load, not other work on the machine.
      const storeWatch = watchCpu([system.gateway.pid, ...pids, process.pid]);
      const storeStarted = Date.now();
      const statuses = await sendBurst(system.gateway.port, messages, 64);
      const storeSeconds = (Date.now() - storeStarted) / 1000;
      const storeCpu = storeWatch.stop();
      const stored = await redisCpu(nodes);
      const storeUs = stored.map((cpu, i) => (cpu - before[i]) / MESSAGES);

      progress(`${label}: starting ${WORKERS} workers`);
      before = await redisCpu(nodes);
      const callsBefore = await Promise.all(nodes.map((node) => commandCalls(node)));
      const workers = await Promise.all(Array.from({ length: WORKERS }, () => system.addWorker()));
      const started = Math.min(...workers.map((worker) => worker.readyAt));
      const watch = watchCpu([...workers.map((worker) => worker.pid), ...pids, process.pid]);
      await waitForAnswers(system.dingtalk, tokens, {
        deadline: Date.now() + DEADLINE_MS,
        settleMs: 0,
        onProgress: (count) => progress(`${label}: ${count}/${MESSAGES} answered`),
      });
      const cpu = watch.stop();
      const drained = await redisCpu(nodes);
      const callsAfter = await Promise.all(nodes.map((node) => commandCalls(node)));
      await sleep(500); // late duplicates
      const tally = tallyAnswers(system.dingtalk, tokens);
      const seconds = (Math.max(...tally.firstAnswerAt.values()) - started) / 1000;
      const drainUs = drained.map((cpuUs, i) => (cpuUs - before[i]) / tally.answered);

      const perNode = ports.map((port, i) => {
        // INFO itself is one command of each reading.
        const commands = commandsPer(callsBefore[i], callsAfter[i], tally.answered, 4);
        return {
          port,
          storeUs: round(storeUs[i], 1),
          answerUs: round(drainUs[i], 1),
          totalUs: round(storeUs[i] + drainUs[i], 1),
          commandsPerAnswer: commands.perMessage,
          busiestCommands: commands.busiest,
        };
      });
      const totalUs = perNode.reduce((sum, node) => sum + node.totalUs, 0);
      const busiest = Math.max(...perNode.map((node) => node.totalUs));
      const result = {
        shards,
        nodes: perNode.map((node) => ({ ...node, sharePercent: round((100 * node.totalUs) / totalUs, 1) })),
        redisUsPerMessage: round(totalUs, 1),
        busiestNodeUsPerMessage: round(busiest, 1),
        // One node's main thread busy all the time: 1 s of it per message's share.
        capacityPerSecond: Math.round(1e6 / busiest),
        storePerSecond: Math.round(MESSAGES / storeSeconds),
        drainPerSecond: Math.round(tally.answered / seconds),
        cpuCores: {
          workers: round(cpu.ownCores.slice(0, WORKERS).reduce((sum, cores) => sum + cores, 0), 2),
          redis: round(cpu.ownCores.slice(WORKERS, WORKERS + pids.length).reduce((sum, cores) => sum + cores, 0), 2),
          fakes: round(cpu.ownCores[WORKERS + pids.length], 2),
          other: round(cpu.otherCores, 2),
        },
        storeCores: { gateway: round(storeCpu.ownCores[0], 2), redis: round(storeCpu.ownCores.slice(1, 1 + pids.length).reduce((s, c) => s + c, 0), 2) },
        disturbed: cpu.otherCores > DISTURBED_CORES || storeCpu.otherCores > DISTURBED_CORES,
        non2xx: non2xx(statuses),
        lost: tally.lost,
        duplicated: tally.duplicated,
        failed: tally.failed,
      };
      progress(
        `${label}: Redis CPU per message ${result.redisUsPerMessage} µs (${result.nodes.map((node) => `${node.totalUs}`).join(' + ')}), ` +
          `busiest node ${result.busiestNodeUsPerMessage} µs → about ${result.capacityPerSecond} msg/s at saturation; ` +
          `stored at ${result.storePerSecond} msg/s, drained at ${result.drainPerSecond} msg/s with Redis at ${result.cpuCores.redis} cores; ` +
          `lost ${result.lost}, duplicated ${result.duplicated}`,
      );
      return result;
    });
  } finally {
    if (client !== nodes[0]) client.disconnect();
    for (const node of nodes) node.disconnect();
    await (server ?? cluster).stop();
  }
}

/** CPU time of each node's main thread so far, in µs (INFO cpu: the commands' work, not background saves). */
async function redisCpu(nodes) {
  return Promise.all(
    nodes.map(async (node) => {
      const info = await node.info('cpu');
      const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
      return (field('used_cpu_sys_main_thread') + field('used_cpu_user_main_thread')) * 1e6;
    }),
  );
}
