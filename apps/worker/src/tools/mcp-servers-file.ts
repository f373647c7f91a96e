import { MCP_SERVER_NAME } from '@dtbot/shared';
import { z } from 'zod';

const name = z.string().regex(MCP_SERVER_NAME, 'lower-case letters, digits, _ and - (at most 32): it prefixes its tools and labels its metrics');
const names = z.array(z.string().min(1)).min(1, 'lists nothing: leave it out to allow all');

/** Who may use a server and which of its tools; each absent = all. */
const reach = {
  /** The only tools of the server the model is offered. */
  tools: names.optional(),
  /** Robots (robot code or name) whose messages may use it. */
  robots: names.optional(),
  /** Personas (by name, `default` for a robot's own) whose answers may use it. */
  personas: names.optional(),
};

const httpServer = z
  .object({
    name,
    url: z.string().url().refine((url) => /^https?:/.test(url), 'an http or https URL'),
    /** Sent with every request (an API key, `Authorization: Bearer …`); never logged. */
    headers: z.record(z.string().min(1), z.string()).optional(),
    ...reach,
  })
  .strict();

const stdioServer = z
  .object({
    name,
    /** A program the worker starts and talks to over its stdin and stdout. */
    command: z.string().min(1),
    args: z.array(z.string()).optional(),
    /** Added to the few variables a child gets by default (PATH, HOME, …), never the worker's own secrets; never logged. */
    env: z.record(z.string().min(1), z.string()).optional(),
    cwd: z.string().min(1).optional(),
    ...reach,
  })
  .strict();

/** `MCP_SERVERS_FILE`: the tool servers in full. Unknown keys are refused, so a misspelt option is not silently ignored. */
export const mcpServersFileSchema = z
  .object({ servers: z.array(z.union([httpServer, stdioServer])).min(1, 'lists no server') })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.servers.forEach((server, index) => {
      if (seen.has(server.name)) ctx.addIssue({ code: 'custom', path: ['servers', index, 'name'], message: `${server.name} is listed twice` });
      seen.add(server.name);
    });
  });

export type McpServerEntry = z.infer<typeof mcpServersFileSchema>['servers'][number];
export type HttpServerEntry = z.infer<typeof httpServer>;
export type StdioServerEntry = z.infer<typeof stdioServer>;
