import { z } from 'zod';

/** How users call an entry: one word (no spaces), so `/persona <name>` and `#<name> text` can be told apart. */
const PERSONA_WORD = /^[^\s#/]{1,32}$/;

const name = z.string().trim().regex(PERSONA_WORD, 'must be one word of at most 32 characters, without spaces, # or /');

/** Whether a word could name a persona at all (the rule every name and alias of the catalogue follows). */
export function isPersonaWord(word: string): boolean {
  return PERSONA_WORD.test(word);
}

const entry = z.object({
  name,
  aliases: z.array(name).max(10).default([]),
  description: z.string().trim().min(1).max(200),
  prompt: z.string().trim().min(1).max(8000),
});

/** The shape of the personas file (`PERSONAS_FILE`, or the one the worker ships with). */
export const personasFileSchema = z
  .object({
    personas: z.array(entry).max(100).default([]),
    templates: z.array(entry).max(100).default([]),
  })
  .strict();

export type PersonasFile = z.infer<typeof personasFileSchema>;
export type Persona = PersonasFile['personas'][number];
export type Template = PersonasFile['templates'][number];

/** The persona every conversation starts with: `SYSTEM_PROMPT` (no system prompt when unset). */
export const DEFAULT_PERSONA = 'default';
/** Other words for the default persona, so `/persona 默认` goes back to it. */
export const DEFAULT_PERSONA_WORDS: readonly string[] = [DEFAULT_PERSONA, '默认'];

/** Where a template's prompt takes the user's text; a prompt without it gets the text after a blank line. */
export const TEMPLATE_INPUT = '{{input}}';

const fold = (word: string) => word.toLowerCase();
/** A Latin name needs a boundary after it (`#review` is not `#reviewer`); Chinese text needs none. */
const WORD_CHAR = /^[A-Za-z0-9_]$/;

/**
 * The named system prompts (personas) and one-shot instructions (templates) users can pick, found by
 * name or alias without regard to case.
 */
export class PersonaCatalog {
  private readonly personaByWord = new Map<string, Persona>();
  /** Template words, longest first, so `#代码审查` is not taken for a shorter name it starts with. */
  private readonly templateWords: { word: string; folded: string; template: Template }[] = [];

  constructor(
    readonly personas: readonly Persona[],
    readonly templates: readonly Template[],
  ) {
    for (const persona of personas) for (const word of wordsOf(persona)) this.personaByWord.set(fold(word), persona);
    for (const template of templates) {
      for (const word of wordsOf(template)) this.templateWords.push({ word, folded: fold(word), template });
    }
    this.templateWords.sort((a, b) => b.word.length - a.word.length);
  }

  static from(file: PersonasFile): PersonaCatalog {
    return new PersonaCatalog(file.personas, file.templates);
  }

  findPersona(word: string): Persona | undefined {
    return this.personaByWord.get(fold(word.trim()));
  }

  /**
   * The template a message calls (`#周报 text`, also without the space: `#周报text`) and the user's
   * text after its name; `undefined` when the message does not start with a template's `#name`.
   */
  matchTemplate(prompt: string): { template: Template; input: string } | undefined {
    if (!prompt.startsWith('#')) return undefined;
    const rest = prompt.slice(1);
    const found = this.templateWords.find(
      ({ word, folded }) => fold(rest.slice(0, word.length)) === folded && !(WORD_CHAR.test(word.at(-1)!) && WORD_CHAR.test(rest.charAt(word.length))),
    );
    return found && { template: found.template, input: rest.slice(found.word.length).trim() };
  }
}

export function wordsOf(entry: { name: string; aliases: readonly string[] }): string[] {
  return [entry.name, ...entry.aliases];
}

/** The question a template asks: its prompt with the user's text in place of `{{input}}`. */
export function applyTemplate(template: Template, input: string): string {
  // split/join, not replaceAll: a `$&` in the user's text must stay literal.
  if (template.prompt.includes(TEMPLATE_INPUT)) return template.prompt.split(TEMPLATE_INPUT).join(input);
  return `${template.prompt}\n\n${input}`;
}

/** Names the same word used twice (persona names and aliases, template names and aliases), and the reserved default. */
export function catalogProblems(file: PersonasFile): string[] {
  const problems: string[] = [];
  const check = (section: 'personas' | 'templates', entries: readonly Persona[], reserved: readonly string[]) => {
    const seen = new Map<string, string>();
    for (const reservedWord of reserved) seen.set(fold(reservedWord), 'the default persona (SYSTEM_PROMPT)');
    for (const item of entries) {
      for (const word of wordsOf(item)) {
        const owner = seen.get(fold(word));
        if (owner) problems.push(`${section}: "${word}" of "${item.name}" is already the name of ${owner}`);
        else seen.set(fold(word), `"${item.name}"`);
      }
    }
  };
  check('personas', file.personas, DEFAULT_PERSONA_WORDS);
  check('templates', file.templates, []);
  return problems;
}
