import type OpenAI from 'openai';
import type { Logger } from '@dtbot/shared';
import type { McpServerEntry } from './mcp-servers-file.js';
import { McpSession, type McpSessionOptions, type ToolOutcome } from './mcp-session.js';
import { functionNames } from './tool-names.js';

/** Who is asking: the tools offered depend on the robot and the persona answering. */
export interface ToolAsker {
  robotCode: string;
  /** The robot's name (`ROBOTS_FILE`), which a server's `robots` may list instead of its code. */
  robotName: string | undefined;
  persona: string;
}

/** The tools one answer may use: the functions offered to the model, and the way back from a function to its tool. */
export interface ToolSet {
  functions: OpenAI.Chat.ChatCompletionFunctionTool[];
  /** The server and tool behind a function name; `undefined` for a name that was not offered. */
  resolve(functionName: string): { server: string; tool: string } | undefined;
  /** Calls a tool of a server of this set. */
  call(server: string, tool: string, args: Record<string, unknown>): Promise<ToolOutcome>;
}

/** Every configured tool server, one session each per worker process, shared by every job. */
export class McpToolbox {
  private readonly sessions: Map<string, McpSession>;

  constructor(
    servers: readonly McpServerEntry[],
    private readonly options: McpSessionOptions & { logger: Logger },
    /** Model↔tool rounds per answer (`TOOLS_MAX_STEPS`). */
    readonly maxSteps: number,
    /** How long a round's tools run before a chat without a card gets a progress line. */
    readonly noticeAfterMs: number,
  ) {
    this.sessions = new Map(servers.map((entry) => [entry.name, new McpSession(entry, options)]));
  }

  /**
   * The tools this asker may use, from the servers that allow its robot and persona; a server that cannot be
   * reached now is left out (logged), and the answer is written without it. `undefined` when none is left.
   */
  async forAsker(asker: ToolAsker): Promise<ToolSet | undefined> {
    const allowed = [...this.sessions.values()].filter(({ entry }) => mayUse(entry, asker));
    const listed = await Promise.all(
      allowed.map(async (session) => {
        try {
          return (await session.tools()).map((tool) => ({ server: session.entry.name, tool }));
        } catch (error) {
          this.options.logger.warn({ server: session.entry.name, err: error instanceof Error ? error.message : String(error) }, 'tool server unavailable; answering without it');
          return [];
        }
      }),
    );
    const tools = listed.flat();
    if (tools.length === 0) return undefined;
    const names = functionNames(tools.map(({ server, tool }) => ({ server, tool: tool.name })));
    const byName = new Map(names.map((name, index) => [name, { server: tools[index]!.server, tool: tools[index]!.tool.name }]));
    return {
      functions: tools.map(({ tool }, index) => ({
        type: 'function' as const,
        function: {
          name: names[index]!,
          ...(tool.description ? { description: tool.description } : {}),
          parameters: parametersOf(tool.inputSchema),
        },
      })),
      resolve: (name) => byName.get(name),
      call: (server, tool, args) => {
        const session = this.sessions.get(server);
        return session ? session.call(tool, args) : Promise.resolve({ text: `error: no tool server ${server}`, outcome: 'error' as const });
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => session.close()));
  }
}

function mayUse(entry: McpServerEntry, asker: ToolAsker): boolean {
  const robots = 'robots' in entry ? entry.robots : undefined;
  const personas = 'personas' in entry ? entry.personas : undefined;
  if (robots && !robots.includes(asker.robotCode) && !(asker.robotName !== undefined && robots.includes(asker.robotName))) return false;
  return !personas || personas.includes(asker.persona);
}

/** A tool's input schema as the chat API takes it: without `$schema`, which some compatible providers refuse. */
function parametersOf(schema: Record<string, unknown>): OpenAI.FunctionParameters {
  const { $schema: _dialect, ...parameters } = schema;
  return parameters;
}
