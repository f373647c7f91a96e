import { performance } from 'node:perf_hooks';
import { progress } from '../progress.mjs';
import { round } from '../stats.mjs';

/** List sizes measured; SENSITIVE_WORDS lists in use run from dozens to thousands of words. */
const LIST_SIZES = [100, 1000, 5000];
/** An answer of the length DingTalk takes in one message part. */
const ANSWER_CHARS = 2000;
const HITS = 20;

let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pickFrom = (alphabet, length) => Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
const CJK = Array.from({ length: 3000 }, (_, index) => String.fromCharCode(0x4e00 + index));
const LATIN = 'abcdefghijklmnopqrstuvwxyz';

/** Half Chinese words of 2–4 characters, half Latin ones of 4–9 letters. */
const wordList = (size) => Array.from({ length: size }, (_, index) => (index % 2 ? pickFrom(CJK, 2 + (index % 3)) : pickFrom(LATIN, 4 + (index % 6))));

/** Mixed Chinese and English text with `HITS` of the words in it, some in upper case. */
function answerWith(words) {
  let text = '';
  while (text.length < ANSWER_CHARS) {
    text += random() < 0.5 ? pickFrom(CJK, 30) : `${pickFrom(`${LATIN}    `, 40)} `;
    if (random() < HITS / 60) {
      const word = words[Math.floor(random() * words.length)];
      text += random() < 0.5 ? word.toUpperCase() : word;
    }
  }
  return text.slice(0, ANSWER_CHARS);
}

/** What a plain implementation does: one case-insensitive replace per word (chatgpt-dingtalk loops over its list). */
function naiveMasker(words) {
  const escape = (word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = words.map((word) => new RegExp(escape(word), 'gi'));
  return (text) => patterns.reduce((masked, pattern) => masked.replace(pattern, (found) => '*'.repeat(found.length)), text);
}

/**
 * The matcher leaves no word behind and masks at least what the naive masking does (more where
 * two words overlap: the naive replaces the first and so no longer finds the second).
 */
function checkMasking(matcher, naive, answer, size) {
  const ours = matcher.mask(answer);
  const theirs = naive(answer);
  const missed = [...theirs].some((char, index) => char === '*' && answer[index] !== '*' && ours[index] !== '*');
  if (matcher.contains(ours) || missed || ours.length !== answer.length) throw new Error(`the matcher missed a word of the ${size}-word list`);
}

/** µs per call over `rounds` calls, after a warm-up. */
function timePerCall(rounds, fn) {
  for (let index = 0; index < Math.min(50, rounds); index += 1) fn();
  const started = performance.now();
  for (let index = 0; index < rounds; index += 1) fn();
  return ((performance.now() - started) * 1000) / rounds;
}

/**
 * 8. Sensitive words: the worker's matcher (`SENSITIVE_WORDS`, one pass over the text for all words)
 * masking a 2,000-character answer, and checking a question, against lists of 100 to 5,000 words,
 * next to the naive one-regex-per-word masking measured in the same run; and the one-off cost of
 * building the matcher at start.
 */
export async function sensitiveWords() {
  const { SensitiveWords } = await import('../../../apps/worker/dist/moderation/sensitive-words.js');
  const sizes = [];
  for (const size of LIST_SIZES) {
    const words = wordList(size);
    const answer = answerWith(words);
    const builtAt = performance.now();
    const matcher = new SensitiveWords(words);
    const buildMs = performance.now() - builtAt;
    const naive = naiveMasker(words);
    checkMasking(matcher, naive, answer, size);
    const maskUs = timePerCall(2000, () => matcher.mask(answer));
    const containsUs = timePerCall(2000, () => matcher.contains(answer));
    const naiveUs = timePerCall(size >= 5000 ? 20 : 100, () => naive(answer));
    sizes.push({
      words: size,
      buildMs: round(buildMs),
      maskUs: round(maskUs),
      containsUs: round(containsUs),
      naiveMaskUs: round(naiveUs),
      speedup: round(naiveUs / maskUs),
      masked: [...matcher.mask(answer)].filter((char) => char === '*').length,
    });
    progress(`sensitive words: ${size} words, mask ${round(maskUs)} µs per ${ANSWER_CHARS}-char answer (naive ${round(naiveUs)} µs), built in ${round(buildMs)} ms`);
  }
  return { answerChars: ANSWER_CHARS, sizes };
}
