import { cronProblem } from '@dtbot/queue';

/** What is wrong with an add's pattern or prompt, with the text to say back (as an echo) where there is one. */
export type AddProblem =
  | { problem: 'fields'; shown: string; count: number }
  | { problem: 'invalid'; shown: string }
  | { problem: 'no_prompt' };

const CRON_FIELDS = 5;

/**
 * Checks an add before anything is stored: five fields, and not a sixth one of seconds read as the prompt's start
 * (`*\/10 * * * * *`), a pattern the cron parser takes in the time zone, and a prompt. The parser's own message may
 * quote the pattern unmasked, so the chat is told ours.
 */
export function addProblem(add: { pattern: string; prompt: string }, timeZone: string): AddProblem | undefined {
  const count = add.pattern === '' ? 0 : add.pattern.split(' ').length;
  if (count !== CRON_FIELDS) return { problem: 'fields', shown: add.pattern, count };
  const extra = leadingCronFields(add.prompt);
  if (extra.length > 0) return { problem: 'fields', shown: [add.pattern, ...extra].join(' '), count: count + extra.length };
  if (cronProblem(add.pattern, timeZone)) return { problem: 'invalid', shown: add.pattern };
  if (add.prompt === '') return { problem: 'no_prompt' };
  return undefined;
}

/** Words at the start of a prompt that can only be cron fields: a `*` or a `/` among digits, commas and dashes. */
function leadingCronFields(prompt: string): string[] {
  // A split with a limit stops after that many pieces, however long the prompt.
  const words = prompt.split(/\s+/, 3);
  const found: string[] = [];
  for (const word of words) {
    if (!/^[*\d,/-]+$/.test(word) || !/[*/]/.test(word)) break;
    found.push(word);
  }
  return found;
}
