import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@dtbot/shared';
import { startFakeMcpServer, startRedirectTrap, waitFor, type FakeMcpServer } from '@dtbot/testkit';
import { McpToolbox, type ToolAsker } from '../src/tools/mcp-toolbox.js';
import type { McpServerEntry } from '../src/tools/mcp-servers-file.js';

// MCP sessions against real servers: the SDK's Streamable HTTP server in this process, and a stdio server as a child.
const logger = createLogger('mcp-test', 'silent');
const FIXTURE = fileURLToPath(new URL('./fixtures/stdio-mcp-server.mjs', import.meta.url));
const asker: ToolAsker = { robotCode: 'robot', robotName: undefined, persona: 'default' };
let server: FakeMcpServer;

beforeAll(async () => {
  server = await startFakeMcpServer({
    tools: [
      { name: 'ping', run: () => 'pong' },
      { name: 'sleepy', run: () => new Promise((resolve) => setTimeout(() => resolve('late'), 1500)) },
    ],
  });
});
afterAll(() => server.close());

function toolbox(servers: McpServerEntry[], timeoutMs = 5000): McpToolbox {
  return new McpToolbox(servers, { timeoutMs, logger }, 8, 4000);
}

describe('MCP sessions', () => {
  it('connects on first use and keeps one session for every later call', async () => {
    const box = toolbox([{ name: 'http', url: server.url }]);
    try {
      const opened = server.sessions.length;
      const set = (await box.forAsker(asker))!;
      expect(set.functions.map((tool) => tool.function.name)).toEqual(['http__ping', 'http__sleepy']);
      expect(await set.call('http', 'ping', {})).toEqual({ text: 'pong', outcome: 'ok' });
      await (await box.forAsker(asker))!.call('http', 'ping', {});
      expect(server.sessions.length - opened).toBe(1);
      expect(server.toolLists).toBeGreaterThan(0);
    } finally {
      await box.close();
    }
  });

  it('refreshes the tool list when the server says it changed', async () => {
    const changing = await startFakeMcpServer({ tools: [{ name: 'old', run: () => 'old' }] });
    const box = toolbox([{ name: 'live', url: changing.url }]);
    try {
      expect((await box.forAsker(asker))!.functions.map((tool) => tool.function.name)).toEqual(['live__old']);
      await changing.setTools([{ name: 'fresh', run: () => 'fresh' }]);
      await waitFor(async () => (await box.forAsker(asker))!.functions.some((tool) => tool.function.name === 'live__fresh'));
      expect(changing.sessions).toHaveLength(1);
    } finally {
      await box.close();
      await changing.close();
    }
  });

  it('opens a new session when the server forgot the old one, and the call still runs once', async () => {
    const restarting = await startFakeMcpServer({ tools: [{ name: 'ping', run: () => 'pong' }] });
    const box = toolbox([{ name: 'r', url: restarting.url }]);
    try {
      const set = (await box.forAsker(asker))!;
      await set.call('r', 'ping', {});
      await restarting.dropSessions();
      expect(await set.call('r', 'ping', {})).toEqual({ text: 'pong', outcome: 'ok' });
      expect(restarting.sessions).toHaveLength(2);
      expect(restarting.calls).toHaveLength(2);
    } finally {
      await box.close();
      await restarting.close();
    }
  });

  it('gives a call past TOOL_TIMEOUT_MS back as a timeout text, and the session stays usable', async () => {
    const box = toolbox([{ name: 'http', url: server.url }], 300);
    try {
      const set = (await box.forAsker(asker))!;
      expect(await set.call('http', 'sleepy', {})).toEqual({ text: 'error: the tool did not answer within 300 ms', outcome: 'timeout' });
      expect(await set.call('http', 'ping', {})).toEqual({ text: 'pong', outcome: 'ok' });
    } finally {
      await box.close();
    }
  });

  it('leaves out a server that cannot be reached, and never follows a redirect away from its origin', async () => {
    const trap = await startRedirectTrap({ jsonrpc: "2.0", id: 0, result: {} });
    const box = toolbox([
      { name: 'gone', url: 'http://127.0.0.1:9/mcp' },
      { name: 'moved', url: `${trap.origin}/mcp` },
      { name: 'http', url: server.url },
    ]);
    try {
      const set = (await box.forAsker(asker))!;
      expect(set.functions.map((tool) => tool.function.name)).toEqual(['http__ping', 'http__sleepy']);
      expect(trap.reached).toEqual([]);
    } finally {
      await box.close();
      await trap.close();
    }
  });

  it('talks to a stdio server started once per process, with its env and its tool allow-list', async () => {
    const box = toolbox([{ name: 'local', command: process.execPath, args: [FIXTURE], env: { FIXTURE_TOKEN: 'stdio-secret' }, tools: ['echo', 'whoami'] }]);
    try {
      const set = (await box.forAsker(asker))!;
      expect(set.functions.map((tool) => tool.function.name)).toEqual(['local__echo', 'local__whoami']);
      expect(await set.call('local', 'echo', { text: '你好' })).toEqual({ text: 'echo: 你好', outcome: 'ok' });
      const first = await set.call('local', 'whoami', {});
      const second = await set.call('local', 'whoami', {});
      expect(first.text).toMatch(/^\d+ stdio-secret$/);
      expect(second.text).toBe(first.text);
      expect(await set.call('local', 'hidden', {})).toEqual({ text: 'error: the tool hidden is not available', outcome: 'error' });
    } finally {
      await box.close();
    }
  });

  it('offers a server only to the robots and personas it lists', async () => {
    const box = toolbox([
      { name: 'sales', url: server.url, robots: ['销售助手'] },
      { name: 'hr', url: server.url, personas: ['hr'] },
    ]);
    try {
      const names = async (who: ToolAsker) => (await box.forAsker(who))?.functions.map((tool) => tool.function.name) ?? [];
      expect(await names(asker)).toEqual([]);
      expect(await names({ ...asker, robotName: '销售助手' })).toEqual(['sales__ping', 'sales__sleepy']);
      expect(await names({ ...asker, persona: 'hr' })).toEqual(['hr__ping', 'hr__sleepy']);
    } finally {
      await box.close();
    }
  });

  it('never logs a server\'s headers, env or URL, whatever fails', async () => {
    const lines: string[] = [];
    const loud = createLogger('mcp-test', 'debug', { write: (line: string) => void lines.push(line) });
    const refusing = await startFakeMcpServer({ tools: [{ name: 'ping', run: () => 'pong' }] });
    await refusing.close();
    const box = new McpToolbox(
      [
        { name: 'closed', url: `${refusing.url}?token=url-secret`, headers: { authorization: 'Bearer header-secret' } },
        { name: 'bad-cmd', command: '/nonexistent/server', env: { TOKEN: 'env-secret' } },
        { name: 'http', url: server.url, headers: { 'x-api-key': 'live-secret' } },
      ],
      { timeoutMs: 2000, logger: loud },
      8,
      4000,
    );
    try {
      const set = (await box.forAsker(asker))!;
      await set.call('closed', 'ping', {});
      await set.call('http', 'ping', {});
      expect(lines.join('\n')).toContain('tool server unavailable');
      for (const secret of ['url-secret', 'header-secret', 'env-secret', 'live-secret']) expect(lines.join('\n')).not.toContain(secret);
    } finally {
      await box.close();
    }
  });
});
