/**
 * What an admin asked of the chat's schedules:
 * - `/schedule` (or `/schedule list`): list them;
 * - `/schedule 0 9 * * 1-5 总结昨天的待办`: add one, the five cron fields and then the prompt (its text kept as typed);
 * - `/schedule remove <id>`, `/schedule run <id>`: remove one, or run it now.
 * An `add` is not checked here: its pattern may be no cron and its prompt empty (`scheduleReply` says which).
 */
export type ScheduleCommand =
  | { action: 'list' }
  | { action: 'add'; pattern: string; prompt: string }
  | { action: 'remove'; id: string }
  | { action: 'run'; id: string }
  /** A sub-command without its id (`/schedule remove`): the reply shows how it is used. */
  | { action: 'usage' };

const LIST_WORDS = new Set(['list', 'ls', '列表']);
const REMOVE_WORDS = new Set(['remove', 'rm', 'delete', 'del', '删除']);
const RUN_WORDS = new Set(['run', '运行', '执行']);

/** The first of a cron pattern's fields: a minute (`0`, `*`, `*\/5`, `1-5`, `0,30`). */
const CRON_START = /^[\d*]/;

const CRON_FIELDS = 5;

/**
 * Reads a message as a schedule command, compared without case and surrounding spaces, or `undefined` when it is
 * none. A `/word` followed by anything is the command (the slash says so); a word without a slash (`定时`) is the
 * command only alone or before a sub-command or a cron pattern, so `定时提醒怎么设置` and `定时 是什么意思` stay
 * questions.
 */
export function recognizeScheduleCommand(prompt: string, words: readonly string[]): ScheduleCommand | undefined {
  const said = prompt.trim();
  const space = said.search(/\s/);
  const first = (space < 0 ? said : said.slice(0, space)).toLowerCase();
  if (!words.some((word) => word.toLowerCase() === first)) return undefined;
  const rest = space < 0 ? '' : said.slice(space).trim();
  if (rest === '') return { action: 'list' };
  const [sub = '', argument = ''] = splitFirst(rest);
  const subWord = sub.toLowerCase();
  if (LIST_WORDS.has(subWord) && argument === '') return { action: 'list' };
  if (REMOVE_WORDS.has(subWord)) return argument === '' ? { action: 'usage' } : { action: 'remove', id: argument };
  if (RUN_WORDS.has(subWord)) return argument === '' ? { action: 'usage' } : { action: 'run', id: argument };
  if (!first.startsWith('/') && !CRON_START.test(rest)) return undefined;
  return { action: 'add', ...splitPattern(rest) };
}

/** The first word and what follows it, trimmed. */
function splitFirst(text: string): [string, string] {
  const space = text.search(/\s/);
  return space < 0 ? [text, ''] : [text.slice(0, space), text.slice(space).trim()];
}

/**
 * The first five words as the pattern (single-spaced) and the rest, exactly as typed, as the prompt. One pass over
 * the text with a sticky scan, so a long or hostile text costs its length and no backtracking.
 */
function splitPattern(text: string): { pattern: string; prompt: string } {
  const fields: string[] = [];
  const word = /\s*(\S+)/y;
  let end = 0;
  while (fields.length < CRON_FIELDS) {
    word.lastIndex = end;
    const found = word.exec(text);
    if (!found) break;
    fields.push(found[1]!);
    end = word.lastIndex;
  }
  return { pattern: fields.join(' '), prompt: text.slice(end).trim() };
}
