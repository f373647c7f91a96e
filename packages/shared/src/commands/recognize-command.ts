import type { CommonConfig } from '../config/schema.js';

/** `unknown`: a `/word` that is none of ours; it gets the help instead of going to the model. */
export type Command = 'help' | 'reset' | 'settings' | 'persona' | 'usage' | 'unknown';

export interface RecognizedCommand {
  command: Command;
  /** What followed the command word: the persona to switch to, or the unknown `/word` itself. */
  argument?: string;
}

/**
 * The words of each command (`RESET_COMMANDS`, `HELP_COMMANDS`, …). Both apps read them: the worker answers a
 * command, the gateway sends it ahead of a backlog (its lane).
 */
export interface CommandWords {
  resetCommands: readonly string[];
  helpCommands: readonly string[];
  settingsCommands: readonly string[];
  personaCommands: readonly string[];
  usageCommands: readonly string[];
}

/** The command words of the settings. */
export function commandWordsOf(
  config: Pick<CommonConfig, 'RESET_COMMANDS' | 'HELP_COMMANDS' | 'SETTINGS_COMMANDS' | 'PERSONA_COMMANDS' | 'USAGE_COMMANDS'>,
): CommandWords {
  return {
    resetCommands: config.RESET_COMMANDS,
    helpCommands: config.HELP_COMMANDS,
    settingsCommands: config.SETTINGS_COMMANDS,
    personaCommands: config.PERSONA_COMMANDS,
    usageCommands: config.USAGE_COMMANDS,
  };
}

/** Commands that take what follows them; the others are whole messages. */
const TAKES_ARGUMENT: ReadonlySet<Command> = new Set(['persona']);

/** `/word` of letters, digits, `_` or `-` (not a path such as `/usr/bin`). */
const SLASH_WORD = /^\/[a-z][\w-]*$/i;

/**
 * Reads a message as one of our commands, compared without case and surrounding spaces:
 * - a command word alone (`/reset`, `重置`, `帮助`);
 * - `/persona 翻译官` (`角色 翻译官`): a word that takes an argument, then the argument;
 * - `/reset now`: a `/word` of ours followed by more is still that command (the slash says so), while
 *   `重置 密码怎么办` is a question.
 * Everything else is not a command (an unknown `/word` is `unknownCommand`'s to find).
 */
export function recognizeCommand(prompt: string, words: CommandWords): RecognizedCommand | undefined {
  const said = prompt.trim();
  const whole = commandOf(said.toLowerCase(), words);
  if (whole) return { command: whole };
  const space = said.search(/\s/);
  const first = (space < 0 ? said : said.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : said.slice(space).trim();
  const command = commandOf(first, words);
  if (!command) return undefined;
  if (rest === '') return { command };
  if (TAKES_ARGUMENT.has(command)) return { command, argument: rest };
  if (first.startsWith('/')) return { command };
  return undefined;
}

/**
 * The `/word` a message starts with when it is none of our commands (alone or followed by text), so
 * it gets the help rather than a model answer. Asked after every other reading of the message (an
 * image word such as `/image` is not unknown).
 */
export function unknownCommand(prompt: string): string | undefined {
  const first = prompt.trim().split(/\s/, 1)[0]!.toLowerCase();
  return SLASH_WORD.test(first) ? first : undefined;
}

function commandOf(word: string, words: CommandWords): Command | undefined {
  const table: [Command, readonly string[]][] = [
    ['reset', words.resetCommands],
    ['help', words.helpCommands],
    ['settings', words.settingsCommands],
    ['persona', words.personaCommands],
    ['usage', words.usageCommands],
  ];
  return table.find(([, list]) => list.some((candidate) => candidate.toLowerCase() === word))?.[0];
}
