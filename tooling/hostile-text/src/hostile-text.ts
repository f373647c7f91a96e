import fc from 'fast-check';

/**
 * Text as an attacker or a misbehaving model could send it, in the shapes that have broken text code
 * before: lines as long as a part (or a fence line nearly that long), fences of every length of ``` and
 * ~~~ (opened, nested, never closed), CJK and emoji right at byte limits, control characters, lone
 * surrogates, and the markdown and tag syntax the text paths read (`<think>`, tables, `<br>`, `@`, `#`).
 */

/** Single characters that have a meaning to some text path, or a width that trips byte counting. */
const ATOMS = [
  'a', 'Z', '0', ' ', '\t', '\n', '\r', '\r\n', '\u0000', '\u0007', '\u001b', '\u007f', '\u2028', '\ufeff', '\u00a0',
  '中', '文', '。', '\u0301', '😀', '👩‍💻', '\ud800', '\udfff', '\ud83d',
  '<', '>', '&', '|', '#', '*', '_', '`', '~', '-', '+', '1.', '[', ']', '(', ')', '!', '@', '\\', '$&', '$1', ':', '：',
] as const;

/** Strings the text paths look for. */
const TOKENS = [
  '<think>', '</think>', '<br>', '<br/>', '<script>', '<https://example.com>', '![](x)', '[a](b)', '**', '> ', '- ', '  - ',
  '| a | b |\n|---|:-:|\n| 1 | 2 |', '---', '{{input}}', '/persona ', '/reset', '/help', '/image ', '#图片', '#周报 ', '默认', 'default',
  '@staff_1', '\u200b', '\ud83d\ude00\ud83d', '```', '~~~',
  // Openings never closed: repeated, they make a pattern that scans ahead from each one quadratic.
  '![](', '[a](', '<http:', '*a', '_a', '`a', '<think', '| ',
] as const;

/**
 * Lengths that matter: tiny ones, any up to `max`, and ones a few units either side of the limits the text
 * paths keep (2,000 characters and 6,000 bytes a part, 20,000 bytes a message, 3 bytes a CJK character,
 * 4 an emoji, so 1,500 emoji or 2,000 CJK fill 6,000 bytes).
 */
function interestingLength(max: number): fc.Arbitrary<number> {
  const near = (n: number) => fc.integer({ min: Math.max(1, n - 12), max: Math.max(1, Math.min(max, n + 12)) });
  return fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: Math.min(max, 16) }), weight: 3 },
    { arbitrary: fc.integer({ min: 1, max: Math.max(1, max) }), weight: 2 },
    ...[500, 1500, 1990, 2000, 5000, 6000, 20000, 50000, 100000].filter((n) => n <= max).map((n) => ({ arbitrary: near(n), weight: 1 })),
  );
}

const atom = fc.constantFrom(...ATOMS);
const token = fc.constantFrom(...TOKENS);
/** Any code points, lone surrogates included. */
const anyCodePoints = fc.string({ unit: 'binary', maxLength: 24 });

/** One unit repeated into a long line: a run of CJK, emoji, spaces, backticks… */
function longRun(maxLength: number): fc.Arbitrary<string> {
  return fc.tuple(fc.oneof(atom, token), interestingLength(maxLength)).map(([unit, count]) => unit.repeat(Math.max(1, Math.floor(count / unit.length))));
}

/**
 * A token repeated to fill half the text or more: the shape that makes a pattern scanning ahead from each
 * occurrence quadratic, which short runs never show.
 */
function flood(maxLength: number): fc.Arbitrary<string> {
  return token.chain((unit) => {
    const most = Math.max(1, Math.floor(maxLength / unit.length));
    return fc.integer({ min: Math.max(1, Math.floor(most / 2)), max: most }).map((count) => unit.repeat(count));
  });
}

/** A fence line: up to four spaces, ``` or ~~~ of 3..`maxMarker`, and an info string, short or as long as a part. */
export function fenceLine(maxMarker = 2100): fc.Arbitrary<string> {
  return fc
    .record({
      indent: fc.integer({ min: 0, max: 4 }),
      char: fc.constantFrom('`', '~'),
      length: fc.oneof(fc.integer({ min: 3, max: 8 }), fc.integer({ min: 3, max: Math.max(3, maxMarker) })),
      info: fc.oneof(fc.constant(''), fc.constantFrom('ts', 'python', ' js ', '中文', '😀', '`', '~~~'), longRun(maxMarker)),
      trailing: fc.constantFrom('', ' ', '\t', '  \r'),
    })
    .map(({ indent, char, length, info, trailing }) => `${' '.repeat(indent)}${char.repeat(length)}${info}${trailing}`);
}

/** A fenced block: an opener, lines of text, and (or not) a closer of the same or another marker. */
function fencedBlock(maxLength: number): fc.Arbitrary<string> {
  return fc
    .tuple(fenceLine(), fc.array(fc.oneof(longRun(maxLength), anyCodePoints, token), { maxLength: 6 }), fc.oneof(fc.constant(''), fenceLine(12)))
    .map(([opener, lines, closer]) => [opener, ...lines, closer].join('\n'));
}

/**
 * Hostile text of up to `maxLength` UTF-16 code units (cut there, which may leave half a surrogate pair,
 * as a truncated upstream does).
 */
export function hostileText(options: { maxLength?: number } = {}): fc.Arbitrary<string> {
  const maxLength = options.maxLength ?? 100_000;
  const piece = fc.oneof(
    { arbitrary: atom, weight: 4 },
    { arbitrary: token, weight: 3 },
    { arbitrary: anyCodePoints, weight: 3 },
    { arbitrary: fc.constantFrom('\n', '\n\n', '\n\n\n', ' \n \n', '\r\n\r\n'), weight: 3 },
    { arbitrary: fenceLine().map((line) => `\n${line}\n`), weight: 2 },
    { arbitrary: fencedBlock(maxLength), weight: 2 },
    { arbitrary: longRun(maxLength), weight: 2 },
    { arbitrary: flood(maxLength), weight: 1 },
  );
  return fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join('').slice(0, maxLength));
}

/** The call's result and how long it took, in milliseconds. */
export function timed<T>(call: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = call();
  return { value, ms: performance.now() - start };
}
