/** The chat API's rule for a function's name. */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_NAME = 64;

/**
 * Gives each (server, tool) a function name the chat API takes and no other tool has: `server__tool`, its other
 * characters made `_` and cut to 64, a number added when two still meet. Returns them in the order given.
 */
export function functionNames(tools: readonly { server: string; tool: string }[]): string[] {
  const taken = new Set<string>();
  return tools.map(({ server, tool }) => {
    const base = `${server}__${tool.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, MAX_NAME);
    let name = base;
    for (let n = 2; taken.has(name); n += 1) {
      const suffix = `_${n}`;
      name = `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
    }
    taken.add(name);
    return name;
  });
}

export function isFunctionName(name: string): boolean {
  return FUNCTION_NAME.test(name);
}
