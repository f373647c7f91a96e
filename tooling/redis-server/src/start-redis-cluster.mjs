// A throwaway Redis Cluster: N masters from redis-server binaries on loopback ports, joined by
// `redis-cli --cluster create`, each with its slots (equal ranges, as redis-cli hands them out).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, onFreshPorts, startRedisServer } from './start-redis-server.mjs';

const run = promisify(execFile);

/**
 * @typedef {object} RedisClusterNode
 * @property {string} host
 * @property {number} port
 */

/**
 * @typedef {object} RedisCluster
 * @property {RedisClusterNode[]} nodes the masters, in the order their slot ranges go (node 0 has the lowest slots).
 * @property {string} nodeList `host:port,host:port,…`, as REDIS_CLUSTER_NODES takes it.
 * @property {import('./start-redis-server.mjs').RedisServer[]} servers
 * @property {() => Promise<void>} stop stops every node and removes their working folders.
 */

/**
 * @typedef {object} StartRedisClusterOptions
 * @property {number} [masters] how many masters (3 by default, the fewest redis-cli accepts).
 * @property {number} [readyTimeoutMs] how long the nodes may take to agree the cluster is up (default 15 s).
 * @property {() => Promise<number>} [choosePort] how each node's port and bus port are chosen (`freePort` by default;
 *   a test passes its own).
 */

/**
 * Starts a Redis Cluster of `masters` masters and no replicas, and resolves once every node says the cluster is
 * up (`cluster_state:ok`) and knows every master. Each node has a cluster bus port chosen like its port (Redis'
 * default, port + 10000, may be taken or beyond 65535). Its nodes die with the calling process, as single servers do.
 * @param {StartRedisClusterOptions} [options]
 * @returns {Promise<RedisCluster>}
 */
export async function startRedisCluster(options = {}) {
  const masters = options.masters ?? 3;
  const host = '127.0.0.1';
  /** @type {import('./start-redis-server.mjs').RedisServer[]} */
  const servers = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    const choosePort = options.choosePort ?? (() => freePort(host));
    for (let i = 0; i < masters; i += 1) servers.push(await startClusterNode(host, choosePort));
    const addresses = servers.map((server) => `${host}:${server.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']).catch((error) => {
      const missing = /** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT';
      throw new Error(
        missing
          ? 'redis-cli is not installed (Debian/Ubuntu: apt-get install redis-tools; it comes with redis-server)'
          : `redis-cli --cluster create failed: ${String(error.stderr || error.stdout || error.message).trim()}`,
      );
    });
    await waitUntilUp(servers.map((server) => server.port), masters, options.readyTimeoutMs ?? 15_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const nodes = servers.map((server) => ({ host, port: server.port }));
  return { nodes, nodeList: nodes.map((node) => `${node.host}:${node.port}`).join(','), servers, stop };
}

/**
 * One cluster node. Its bus port is chosen here, like its port, and either may be taken before redis-server binds it:
 * a node refused for that is started again on new ports (`onFreshPorts`).
 * @param {string} host
 * @param {() => Promise<number>} choosePort
 */
function startClusterNode(host, choosePort) {
  return onFreshPorts(async () => {
    const busPort = await choosePort();
    // nodes.conf is written in the server's own working folder, removed when it stops.
    const args = ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-node-timeout', '5000'];
    return startRedisServer({ host, args, choosePort });
  });
}

/**
 * redis-cli returns once the slots are assigned, while the nodes may still be gossiping: wait until each node
 * reports the cluster up with every master known, so a client that connects now sees the final layout.
 * @param {number[]} ports
 * @param {number} masters
 * @param {number} timeoutMs
 */
async function waitUntilUp(ports, masters, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const infos = await Promise.all(ports.map((port) => clusterInfo(port)));
    if (infos.every((info) => info.cluster_state === 'ok' && Number(info.cluster_known_nodes) === masters && Number(info.cluster_size) === masters)) {
      return;
    }
    last = infos.map((info, i) => `${ports[i]}: ${info.cluster_state}, ${info.cluster_known_nodes} known`).join('; ');
    if (Date.now() > deadline) throw new Error(`the Redis Cluster did not come up within ${timeoutMs / 1000} s (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * @param {number} port
 * @returns {Promise<Record<string, string>>}
 */
async function clusterInfo(port) {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info']);
  return Object.fromEntries(
    stdout
      .split(/\r?\n/)
      .filter((line) => line.includes(':'))
      .map((line) => /** @type {[string, string]} */ (line.split(':', 2))),
  );
}
