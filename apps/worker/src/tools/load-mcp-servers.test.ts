import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadWorkerConfig } from '@dtbot/shared';
import { loadMcpServers } from './load-mcp-servers.js';

const directory = mkdtempSync(join(tmpdir(), 'dtbot-mcp-file-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function file(text: string): string {
  const path = join(directory, `servers-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

const config = (env: Record<string, string>) => loadWorkerConfig({ OPENAI_API_KEY: 'sk-test', ...env }).config;
const problems = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('no ConfigError');
};

describe('loadMcpServers', () => {
  it('has no servers when neither setting is set', () => {
    expect(loadMcpServers(config({}))).toEqual([]);
  });

  it('reads MCP_SERVERS, then the file: HTTP with headers, stdio with env, allow-lists', () => {
    const path = file(`
servers:
  - name: ragflow
    url: http://ragflow.internal:9382/mcp/
    headers: { api_key: ragflow-xxxx }
    tools: [ragflow_retrieval]
    robots: [dingsalesxxxx, 销售助手]
    personas: [default]
  - name: files
    command: npx
    args: ["-y", "@modelcontextprotocol/server-filesystem", "/srv/docs"]
    env: { TOKEN: secret }
`);
    expect(loadMcpServers(config({ MCP_SERVERS: 'kb=https://kb.example.com/mcp', MCP_SERVERS_FILE: path }))).toEqual([
      { name: 'kb', url: 'https://kb.example.com/mcp' },
      {
        name: 'ragflow',
        url: 'http://ragflow.internal:9382/mcp/',
        headers: { api_key: 'ragflow-xxxx' },
        tools: ['ragflow_retrieval'],
        robots: ['dingsalesxxxx', '销售助手'],
        personas: ['default'],
      },
      { name: 'files', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/docs'], env: { TOKEN: 'secret' } },
    ]);
  });

  it('refuses a bad MCP_SERVERS item by its position, never echoing it', () => {
    const bad = (value: string) => () => config({ MCP_SERVERS: value });
    expect(problems(bad('kb'))).toEqual([expect.stringContaining('item 1 is not name=url')]);
    expect(problems(bad('Bad Name=https://x.example'))).toEqual([expect.stringContaining('item 1 is not name=url')]);
    expect(problems(bad('kb=ftp://x.example?token=secret'))).toEqual([expect.stringContaining('item 1 (kb) has no http or https URL')]);
    expect(problems(bad('kb=https://a.example,kb=https://b.example'))).toEqual([expect.stringContaining('item 2: kb is listed twice')]);
    expect(problems(bad('kb=ftp://x.example?token=secret')).join()).not.toContain('secret');
  });

  it('stops at start on a bad file, naming the place and never a value', () => {
    const cases: [string, string][] = [
      ['servers: []', 'servers: lists no server'],
      ['servers:\n  - name: a\n    url: https://a.example\n    header: { x: secret-value }', 'servers.0'],
      ['servers:\n  - name: a\n    url: https://a.example\n  - name: a\n    command: node', 'servers.1.name: a is listed twice'],
      ['servers:\n  - name: a\n    url: https://a.example\n    tools: []', 'servers.0'],
      ['servers:\n  - name: a\n    url: https://a.example\n    command: node', 'servers.0'],
      ['servers: [ {', 'is not valid JSON or YAML'],
    ];
    for (const [text, expected] of cases) {
      const found = problems(() => loadMcpServers(config({ MCP_SERVERS_FILE: file(text) })));
      expect(found.join('\n')).toContain(expected);
      expect(found.join('\n')).not.toContain('secret-value');
      expect(found.every((problem) => problem.startsWith('MCP_SERVERS_FILE: '))).toBe(true);
    }
    expect(problems(() => loadMcpServers(config({ MCP_SERVERS_FILE: join(directory, 'missing.yaml') })))).toEqual([
      expect.stringContaining('cannot be read (ENOENT)'),
    ]);
  });

  it('refuses a server named in both settings', () => {
    const path = file('servers:\n  - name: kb\n    command: node\n');
    expect(problems(() => loadMcpServers(config({ MCP_SERVERS: 'kb=https://kb.example', MCP_SERVERS_FILE: path })))).toEqual([
      'MCP_SERVERS_FILE: kb is also in MCP_SERVERS',
    ]);
  });
});
