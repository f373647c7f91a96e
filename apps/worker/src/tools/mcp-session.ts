import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '@dtbot/shared';
import type { McpServerEntry } from './mcp-servers-file.js';
import { originBoundFetch } from './origin-bound-fetch.js';
import { resultText } from './tool-result-text.js';

/** What a tool call came to: its text for the model, and how it ended (a metric label). */
export interface ToolOutcome {
  text: string;
  outcome: 'ok' | 'error' | 'timeout';
}

export interface McpSessionOptions {
  /** One request to the server (connecting, listing, a call), at most. */
  timeoutMs: number;
  logger: Logger;
  /** The worker's outgoing fetch (its proxy); the session binds it to the server's origin. */
  fetch?: typeof fetch;
}

const CLIENT_INFO = { name: 'dtbot', version: '1.0.0' };

/**
 * The SDK's client side is about 28 MB of a worker's memory and 200 ms of its start (with ajv and zod's JSON schema
 * conversion), so it is loaded by the first session that connects: a worker with no tool server never loads it.
 */
let sdkLoading: Promise<McpSdk> | undefined;
type McpSdk = Awaited<ReturnType<typeof importSdk>>;

async function importSdk() {
  const [{ Client }, { getDefaultEnvironment, StdioClientTransport }, { StreamableHTTPClientTransport, StreamableHTTPError }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  return { Client, getDefaultEnvironment, StdioClientTransport, StreamableHTTPClientTransport, StreamableHTTPError };
}

function mcpSdk(): Promise<McpSdk> {
  const loading = (sdkLoading ??= importSdk());
  // A failed load is not kept: the next connection tries again.
  loading.catch(() => {
    if (sdkLoading === loading) sdkLoading = undefined;
  });
  return loading;
}

/**
 * One tool server, for the life of the worker process: connected on first use, its tool list kept (and
 * refreshed when the server says it changed), connected again on the next use after the connection was lost.
 * Never opened per message.
 */
export class McpSession {
  private connecting: Promise<{ client: Client; tools: Tool[] }> | undefined;
  private closed = false;

  constructor(
    readonly entry: McpServerEntry,
    private readonly options: McpSessionOptions,
  ) {}

  /** The server's tools (those its allow-list names, when it has one). */
  async tools(): Promise<Tool[]> {
    const { tools } = await this.connected();
    const allowed = this.entry.tools;
    return allowed ? tools.filter((tool) => allowed.includes(tool.name)) : tools;
  }

  /**
   * Calls a tool. Whatever goes wrong (the tool's own error, a timeout, a lost connection) comes back as text
   * for the model, never as a throw: the model decides what to tell the user.
   */
  async call(tool: string, args: Record<string, unknown>): Promise<ToolOutcome> {
    const allowed = this.entry.tools;
    if (allowed && !allowed.includes(tool)) return { text: `error: the tool ${tool} is not available`, outcome: 'error' };
    const first = await this.callOnce(tool, args);
    // A server that restarted forgot our session and refused the call unrun (404): one new session, one more try.
    return first.sessionLost ? this.callOnce(tool, args) : first;
  }

  private async callOnce(tool: string, args: Record<string, unknown>): Promise<ToolOutcome & { sessionLost?: true }> {
    let client: Client;
    try {
      ({ client } = await this.connected());
    } catch (error) {
      return { text: `error: the tool server could not be reached (${messageOf(error)})`, outcome: errorOutcome(error) };
    }
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, { timeout: this.options.timeoutMs });
      const content = Array.isArray(result.content) ? result.content : [];
      const text = resultText(content) || (result.structuredContent ? JSON.stringify(result.structuredContent) : '');
      return result.isError ? { text: `error: ${text || 'the tool failed'}`, outcome: 'error' } : { text, outcome: 'ok' };
    } catch (error) {
      const outcome = errorOutcome(error);
      // A timed-out call may still be running on a healthy session; any other failure may be a lost one.
      if (outcome !== 'timeout') await this.forget(client);
      const { StreamableHTTPError } = await mcpSdk();
      if (error instanceof StreamableHTTPError && error.code === 404) {
        return { text: 'error: the tool server lost the session', outcome: 'error', sessionLost: true };
      }
      return { text: outcome === 'timeout' ? `error: the tool did not answer within ${this.options.timeoutMs} ms` : `error: ${messageOf(error)}`, outcome };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connecting = this.connecting;
    this.connecting = undefined;
    const session = await connecting?.catch(() => undefined);
    await session?.client.close().catch(() => undefined);
  }

  private connected(): Promise<{ client: Client; tools: Tool[] }> {
    if (this.closed) return Promise.reject(new Error('the worker is stopping'));
    const connecting = (this.connecting ??= this.connect());
    // A failed connection is not kept: the next use tries again.
    connecting.catch(() => {
      if (this.connecting === connecting) this.connecting = undefined;
    });
    return connecting;
  }

  private async connect(): Promise<{ client: Client; tools: Tool[] }> {
    const { name } = this.entry;
    const sdk = await mcpSdk();
    const session: { client: Client; tools: Tool[] } = { client: undefined as unknown as Client, tools: [] };
    const client = new sdk.Client(CLIENT_INFO, {
      listChanged: {
        tools: {
          onChanged: (error, tools) => {
            if (error) this.options.logger.warn({ server: name, err: messageOf(error) }, 'tool list could not be refreshed');
            else if (tools) session.tools = tools;
          },
        },
      },
    });
    session.client = client;
    client.onclose = () => void this.forget(client);
    client.onerror = (error) => this.options.logger.debug({ server: name, err: messageOf(error) }, 'tool server connection error');
    const timeout = { timeout: this.options.timeoutMs };
    try {
      await client.connect(this.transport(sdk), timeout);
      session.tools = (await client.listTools(undefined, timeout)).tools;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    this.options.logger.info({ server: name, tools: session.tools.length }, 'tool server connected');
    return session;
  }

  private transport(sdk: McpSdk): Transport {
    const { entry } = this;
    if ('url' in entry) {
      return new sdk.StreamableHTTPClientTransport(new URL(entry.url), {
        requestInit: { headers: entry.headers ?? {}, redirect: 'manual' },
        fetch: originBoundFetch(entry.url, this.options.fetch),
      });
    }
    return new sdk.StdioClientTransport({
      command: entry.command,
      args: entry.args ?? [],
      env: { ...sdk.getDefaultEnvironment(), ...entry.env },
      ...(entry.cwd ? { cwd: entry.cwd } : {}),
      // The server's own log lines are not ours to print (they may echo its env).
      stderr: 'ignore',
    });
  }

  /** Drops a connection that failed, so the next use opens a new one. */
  private async forget(client: Client): Promise<void> {
    const connecting = this.connecting;
    if (!connecting) return;
    const session = await connecting.catch(() => undefined);
    if (session?.client !== client || this.connecting !== connecting) return;
    this.connecting = undefined;
    void client.close().catch(() => undefined);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The SDK's request timeout (JSON-RPC -32001), or ours. */
function errorOutcome(error: unknown): 'timeout' | 'error' {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === -32001 || (error instanceof Error && /timed? ?out/i.test(error.message)) ? 'timeout' : 'error';
}
