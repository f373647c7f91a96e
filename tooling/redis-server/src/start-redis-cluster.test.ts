import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort, probeRedis, startRedisCluster } from './index.mjs';

const cli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]).toString();

describe('startRedisCluster', () => {
  it('starts three masters that cover every slot in equal ranges, in node order, and stops them all', async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    const dirs = cluster.servers.map((server) => server.process.spawnargs[server.process.spawnargs.indexOf('--dir') + 1]!);
    try {
      expect(cluster.nodeList).toBe(cluster.nodes.map((node) => `127.0.0.1:${node.port}`).join(','));
      for (const node of cluster.nodes) expect(cli(node.port, 'cluster', 'info')).toMatch(/cluster_state:ok[\s\S]*cluster_size:3/);
      const ranges = cluster.nodes.map((node) =>
        cli(node.port, 'cluster', 'nodes')
          .split('\n')
          .find((entry) => entry.includes('myself'))!
          .split(' ')
          .slice(8)
          .join(' ')
          .trim(),
      );
      expect(ranges).toEqual(['0-5460', '5461-10922', '10923-16383']);
      // A key is stored by its slot's master; the others send the client there.
      expect(cli(cluster.nodes[0]!.port, 'cluster', 'keyslot', 'a').trim()).toBe('15495');
      expect(cli(cluster.nodes[2]!.port, 'set', 'a', '1').trim()).toBe('OK');
      expect(cli(cluster.nodes[0]!.port, 'get', 'a').trim()).toBe(`MOVED 15495 127.0.0.1:${cluster.nodes[2]!.port}`);
    } finally {
      await cluster.stop();
    }
    for (const node of cluster.nodes) expect(await probeRedis(node.port)).toBe('none');
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });

  it('starts a node again on new ports when its bus port was taken before redis-server could bind it', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const taken = (holder.address() as { port: number }).port;
    // The first port offered is the first node's bus port.
    let first = true;
    const choosePort = async () => {
      if (!first) return freePort();
      first = false;
      return taken;
    };
    const cluster = await startRedisCluster({ masters: 3, choosePort });
    try {
      for (const node of cluster.nodes) expect(cli(node.port, 'cluster', 'info')).toMatch(/cluster_state:ok/);
      const busPorts = cluster.servers.map((server) => Number(server.process.spawnargs[server.process.spawnargs.indexOf('--cluster-port') + 1]));
      expect([...cluster.nodes.map((node) => node.port), ...busPorts]).not.toContain(taken);
    } finally {
      await cluster.stop();
      holder.close();
    }
  });

  it('rejects with redis-cli\'s own words when it refuses to build the cluster', async () => {
    const attempt = startRedisCluster({ masters: 2 });
    await expect(attempt).rejects.toThrow(/redis-cli --cluster create failed: .*at least 3 master nodes/s);
  });
});
