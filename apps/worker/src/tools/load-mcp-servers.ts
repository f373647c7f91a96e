import { ConfigError, readCheckedFile, type WorkerConfig } from '@dtbot/shared';
import { mcpServersFileSchema, type McpServerEntry } from './mcp-servers-file.js';

/**
 * The tool servers of `MCP_SERVERS` then `MCP_SERVERS_FILE` (none when both are unset), checked at start:
 * anything wrong is a `ConfigError` naming the file and the place, never a value (headers and env hold secrets).
 */
export function loadMcpServers(config: Pick<WorkerConfig, 'MCP_SERVERS' | 'MCP_SERVERS_FILE'>): McpServerEntry[] {
  const quick: McpServerEntry[] = config.MCP_SERVERS.map(({ name, url }) => ({ name, url }));
  if (config.MCP_SERVERS_FILE === undefined) return quick;
  const read = readCheckedFile(config.MCP_SERVERS_FILE, mcpServersFileSchema);
  if ('problems' in read) throw new ConfigError(read.problems.map((problem) => `MCP_SERVERS_FILE: ${problem}`));
  const taken = new Set(quick.map(({ name }) => name));
  const twice = read.value.servers.filter(({ name }) => taken.has(name)).map(({ name }) => `MCP_SERVERS_FILE: ${name} is also in MCP_SERVERS`);
  if (twice.length > 0) throw new ConfigError(twice);
  return [...quick, ...read.value.servers];
}
