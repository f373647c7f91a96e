import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startLocalHttpServer } from './local-http-server.js';

/** A tool of the fake server: what it returns is its text result; a throw is a tool error (`isError`). */
export interface FakeMcpTool {
  name: string;
  description?: string;
  /** JSON Schema of its arguments; default: an object of any properties. */
  inputSchema?: { type: 'object'; properties?: Record<string, object>; required?: string[] };
  run(args: Record<string, unknown>): string | Promise<string>;
}

export interface FakeMcpCall {
  tool: string;
  args: Record<string, unknown>;
  /** The session it came in on. */
  sessionId: string | undefined;
}

export interface FakeMcpServer {
  /** `http://127.0.0.1:<port>/mcp`: the Streamable HTTP endpoint. */
  readonly url: string;
  /** Every tool call, in arrival order (unknown tools included). */
  readonly calls: readonly FakeMcpCall[];
  /** Sessions clients opened (`initialize`), in order. */
  readonly sessions: readonly string[];
  /** The headers of every HTTP request, in order. */
  readonly headers: readonly IncomingHttpHeaders[];
  /** How many `tools/list` requests were answered. */
  readonly toolLists: number;
  /** Replaces the tools and tells every open session (`notifications/tools/list_changed`). */
  setTools(tools: readonly FakeMcpTool[]): Promise<void>;
  /** Forgets every session, as a restarted server does: their next request gets 404. */
  dropSessions(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real MCP server (the official SDK's) over Streamable HTTP on 127.0.0.1, one SDK server per session as the
 * SDK's own examples do, with tools a test defines and every call recorded.
 */
export async function startFakeMcpServer(options: { tools: readonly FakeMcpTool[]; name?: string }): Promise<FakeMcpServer> {
  let tools = [...options.tools];
  const calls: FakeMcpCall[] = [];
  const sessions: string[] = [];
  const headers: IncomingHttpHeaders[] = [];
  let toolLists = 0;
  const open = new Map<string, { server: Server; transport: StreamableHTTPServerTransport }>();

  const newSession = () => {
    const server = new Server({ name: options.name ?? 'fake-mcp', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    server.setRequestHandler(ListToolsRequestSchema, () => {
      toolLists += 1;
      return {
        tools: tools.map(({ name, description, inputSchema }) => ({
          name,
          ...(description ? { description } : {}),
          inputSchema: inputSchema ?? { type: 'object' as const },
        })),
      };
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.push(id);
        open.set(id, { server, transport });
      },
    });
    server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
      const args = request.params.arguments ?? {};
      calls.push({ tool: request.params.name, args, sessionId: transport.sessionId });
      const tool = tools.find((candidate) => candidate.name === request.params.name);
      if (!tool) return { isError: true, content: [{ type: 'text', text: `unknown tool ${request.params.name}` }] };
      try {
        return { content: [{ type: 'text', text: await tool.run(args) }] };
      } catch (error) {
        return { isError: true, content: [{ type: 'text', text: error instanceof Error ? error.message : String(error) }] };
      }
    });
    return { server, transport };
  };

  const http = await startLocalHttpServer(async (req, res) => {
    headers.push(req.headers);
    const id = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(id) ? id[0] : id;
    if (sessionId !== undefined) {
      const session = open.get(sessionId);
      if (!session) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      }
      return session.transport.handleRequest(req, res);
    }
    const session = newSession();
    await session.server.connect(session.transport);
    await session.transport.handleRequest(req, res);
  });

  const closeAll = async () => {
    const all = [...open.values()];
    open.clear();
    await Promise.all(all.map(({ server }) => server.close().catch(() => undefined)));
  };

  return {
    url: `${http.origin}/mcp`,
    calls,
    sessions,
    headers,
    get toolLists() {
      return toolLists;
    },
    async setTools(next) {
      tools = [...next];
      await Promise.all([...open.values()].map(({ server }) => server.sendToolListChanged().catch(() => undefined)));
    },
    dropSessions: closeAll,
    async close() {
      await closeAll();
      await http.close();
    },
  };
}
