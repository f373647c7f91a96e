/**
 * The model's JSON arguments of a call as an object; `undefined` when they are not one (a tool takes named
 * arguments only). Empty text is no arguments, as some models send for a tool without parameters.
 */
export function toolArguments(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
