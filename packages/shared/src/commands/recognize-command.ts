import type { CommonConfig } from '../config/schema.js';
import { BUILT_IN_COMMAND_WORDS } from './built-in-command-words.js';

/** `unknown`: a `/word` that is none of ours; it gets the help instead of going to the model. */
export type Command = 'help' | 'reset' | 'settings' | 'persona' | 'usage' | 'stop' | 'feedback' | 'unknown';

export interface RecognizedCommand {
  command: Command;
  /** What followed the command word: the persona to switch to, or the unknown `/word` itself. */
  argument?: string;
  /** A feedback word's rating: the first of each pair of `FEEDBACK_COMMANDS` is good, the second bad. */
  vote?: 'up' | 'down';
}

/**
 * The words of each command: the settings' (`RESET_COMMANDS`, `STOP_COMMANDS`, `FEEDBACK_COMMANDS`) and the fixed
 * ones (`BUILT_IN_COMMAND_WORDS`). Both apps read them: the worker answers a command, the gateway sends it ahead of a
 * backlog (its lane).
 */
export interface CommandWords {
  resetCommands: readonly string[];
  helpCommands: readonly string[];
  settingsCommands: readonly string[];
  personaCommands: readonly string[];
  usageCommands: readonly string[];
  stopCommands: readonly string[];
  /** Pairs: a good word, then a bad one. */
  feedbackCommands: readonly string[];
}

/** The command words: those of the settings, and the fixed ones. */
export function commandWordsOf(config: Pick<CommonConfig, 'RESET_COMMANDS' | 'STOP_COMMANDS' | 'FEEDBACK_COMMANDS'>): CommandWords {
  return {
    resetCommands: config.RESET_COMMANDS,
    helpCommands: BUILT_IN_COMMAND_WORDS.help,
    settingsCommands: BUILT_IN_COMMAND_WORDS.settings,
    personaCommands: BUILT_IN_COMMAND_WORDS.persona,
    usageCommands: BUILT_IN_COMMAND_WORDS.usage,
    stopCommands: config.STOP_COMMANDS,
    feedbackCommands: config.FEEDBACK_COMMANDS,
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
  const table = commandTable(words);
  const space = said.search(/\s/);
  // Most messages are questions longer than any command word: known without a lower-case copy of each. The gateway
  // asks for every message it stores, and that copy alone cost it about 15 MB of resident memory under load (bench).
  if (said.length > table.longest && (space < 0 || space > table.longest)) return undefined;
  const whole = table.byWord.get(said.toLowerCase());
  if (whole === 'feedback') return { command: whole, vote: voteOf(said, words) };
  if (whole) return { command: whole };
  const first = (space < 0 ? said : said.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : said.slice(space).trim();
  const command = table.byWord.get(first);
  if (!command) return undefined;
  if (command === 'feedback') return first.startsWith('/') ? { command, vote: voteOf(first, words) } : undefined;
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

/** Good for the first word of each pair of `FEEDBACK_COMMANDS`, bad for the second. */
function voteOf(word: string, words: CommandWords): 'up' | 'down' {
  const index = words.feedbackCommands.findIndex((each) => each.toLowerCase() === word.toLowerCase());
  return index % 2 === 1 ? 'down' : 'up';
}

interface CommandTable {
  /** Each command word, lower case → its command; a word listed for two commands is the first one's. */
  byWord: ReadonlyMap<string, Command>;
  /** Length of the longest command word. */
  longest: number;
}

const tables = new WeakMap<CommandWords, CommandTable>();

/** The words as one lookup table, built once per set of words. */
function commandTable(words: CommandWords): CommandTable {
  const cached = tables.get(words);
  if (cached) return cached;
  const byWord = new Map<string, Command>();
  const lists: [Command, readonly string[]][] = [
    ['reset', words.resetCommands],
    ['help', words.helpCommands],
    ['settings', words.settingsCommands],
    ['persona', words.personaCommands],
    ['usage', words.usageCommands],
    ['stop', words.stopCommands],
    ['feedback', words.feedbackCommands],
  ];
  for (const [command, list] of lists) {
    for (const word of list) if (!byWord.has(word.toLowerCase())) byWord.set(word.toLowerCase(), command);
  }
  const table = { byWord, longest: Math.max(0, ...[...byWord.keys()].map((word) => word.length)) };
  tables.set(words, table);
  return table;
}
