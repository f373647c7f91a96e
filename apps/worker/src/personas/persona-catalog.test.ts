import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyTemplate, isPersonaWord, PersonaCatalog, personasFileSchema } from './persona-catalog.js';

const entry = (name: string, aliases: string[], prompt = `${name} prompt`) => ({ name, aliases, description: name, prompt });

describe('PersonaCatalog', () => {
  const catalog = new PersonaCatalog(
    [entry('翻译官', ['Translator'])],
    [entry('代码', ['code']), entry('代码审查', ['review'])],
  );

  it('finds a persona by name or alias, without regard to case', () => {
    expect(catalog.findPersona('翻译官')?.name).toBe('翻译官');
    expect(catalog.findPersona(' translator ')?.name).toBe('翻译官');
    expect(catalog.findPersona('程序员')).toBeUndefined();
  });

  it('takes the longest template name a message starts with, with or without a space', () => {
    expect(catalog.matchTemplate('#代码审查 x = 1')).toMatchObject({ template: { name: '代码审查' }, input: 'x = 1' });
    expect(catalog.matchTemplate('#代码审查x = 1')).toMatchObject({ template: { name: '代码审查' }, input: 'x = 1' });
    expect(catalog.matchTemplate('#代码 x')).toMatchObject({ template: { name: '代码' }, input: 'x' });
    expect(catalog.matchTemplate('#Review\nint a;')).toMatchObject({ template: { name: '代码审查' }, input: 'int a;' });
  });

  it('needs a boundary after a Latin name, and a leading #', () => {
    expect(catalog.matchTemplate('#reviewer a')).toBeUndefined();
    expect(catalog.matchTemplate('代码审查 a')).toBeUndefined();
    expect(catalog.matchTemplate('# 代码审查 a')).toBeUndefined();
  });
});

describe('applyTemplate', () => {
  it('puts the text where {{input}} is, everywhere, literally', () => {
    expect(applyTemplate(entry('t', [], 'A {{input}} B {{input}}'), '$& $1')).toBe('A $& $1 B $& $1');
  });

  it('adds the text after the instruction when there is no {{input}}', () => {
    expect(applyTemplate(entry('t', [], '请翻译：'), 'hello')).toBe('请翻译：\n\nhello');
  });
});

describe('PersonaCatalog on hostile text', () => {
  const catalog = new PersonaCatalog([entry('翻译官', ['Translator'])], [entry('代码', ['code']), entry('代码审查', ['review']), entry('周报', [])]);

  it('finds and matches within a second on up to 100,000 characters; a template\'s input is trimmed text of the message', () => {
    const prompt = fc.oneof(hostileText(), fc.tuple(fc.constantFrom('#代码', '#code', '#周报', '#REVIEW', '#'), hostileText()).map(([word, rest]) => word + rest));
    fc.assert(
      fc.property(prompt, (message) => {
        expect(timed(() => catalog.findPersona(message)).ms).toBeLessThan(1000);
        const { value: called, ms } = timed(() => catalog.matchTemplate(message));
        expect(ms).toBeLessThan(1000);
        if (!called) return;
        expect(called.input).toBe(called.input.trim());
        expect(message.includes(called.input)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('a template keeps any input literally, `$&` and `{{input}}` included', () => {
    fc.assert(
      fc.property(hostileText({ maxLength: 20_000 }), (input) => {
        expect(applyTemplate(entry('t', [], 'Summarise: {{input}}'), input)).toBe(`Summarise: ${input}`);
        expect(applyTemplate(entry('t', [], 'Summarise.'), input)).toBe(`Summarise.\n\n${input}`);
      }),
      { numRuns: 100 },
    );
  });
});

describe('isPersonaWord', () => {
  it('takes one word of up to 32 characters without # or /', () => {
    expect(['翻译官', 'Translator', 'a.b-c_d', '长'.repeat(32)].every(isPersonaWord)).toBe(true);
    expect(['', '海 盗', 'a/b', '#x', '长'.repeat(33), 'a\nb'].some(isPersonaWord)).toBe(false);
  });

  it('is the rule of the catalogue: a word it takes is a name the personas file takes, and no other', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText({ maxLength: 40 }), fc.string({ maxLength: 34 })), (word) => {
        const file = personasFileSchema.safeParse({ personas: [{ name: word, description: 'd', prompt: 'p' }] });
        expect(isPersonaWord(word.trim())).toBe(file.success);
      }),
      { numRuns: 200 },
    );
  });
});
