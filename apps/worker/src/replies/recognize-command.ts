import type { WorkerSettings } from '../deps.js';

export type Command = 'reset' | 'help';

/** Commands are whole messages (`/reset`, `重置`, `/help`, …), compared without case or spaces. */
export function recognizeCommand(prompt: string, settings: Pick<WorkerSettings, 'resetCommands' | 'helpCommands'>): Command | undefined {
  const said = prompt.trim().toLowerCase();
  if (settings.resetCommands.some((word) => word.toLowerCase() === said)) return 'reset';
  if (settings.helpCommands.some((word) => word.toLowerCase() === said)) return 'help';
  return undefined;
}
