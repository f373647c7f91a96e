import { defineConfig } from 'vitest/config';

// Workspace packages are resolved to their TypeScript sources ("source" export condition),
// so tests never run against stale build output.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'tooling/*/src/**/*.test.ts', 'deploy/test/**/*.test.ts', 'e2e/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // eventsource-parser (under the MCP SDK, so both go) publishes a "source" export too, its TypeScript: taken through
    // Vite's transform like our own sources, as Node cannot load it.
    server: { deps: { inline: ['@modelcontextprotocol/sdk', 'eventsource', 'eventsource-parser'] } },
  },
});
