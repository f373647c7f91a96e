/**
 * One lower-case code unit for each UTF-16 code unit: Latin (and other cased letters) fold to lower
 * case, everything else stays. A letter whose lower case is longer than one unit (`İ`) stays as it is,
 * so positions in the folded text are positions in the original.
 */
const FOLD = (() => {
  const table = new Uint16Array(0x10000);
  for (let unit = 0; unit < 0x10000; unit += 1) {
    const lower = String.fromCharCode(unit).toLowerCase();
    table[unit] = lower.length === 1 ? lower.charCodeAt(0) : unit;
  }
  return table;
})();

const ROOT = 0;

/**
 * Finds and masks every occurrence of a list of words in one pass over the text (Aho–Corasick over
 * UTF-16 code units), overlapping ones included, without regard to the case of letters. Built once
 * from `SENSITIVE_WORDS`. Masking a 2,000-character answer against 5,000 words takes about 0.15 ms
 * (`pnpm bench`, scenario 8); the grapheme-aware `modern-ahocorasick` took 3–6 ms on such input,
 * which is why this is not a dependency (docs/benchmarks.md).
 */
export class SensitiveWords {
  /** Per state: code unit → next state. */
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [ROOT];
  /** Per state: the length of the longest word that ends here (0 = none); shorter ones lie inside it. */
  private readonly longest: number[] = [0];
  /** Per state: how many code units of a word it stands for. */
  private readonly depth: number[] = [0];
  readonly size: number;

  constructor(words: readonly string[]) {
    const unique = new Set(words.map((word) => foldText(word.trim())).filter((word) => word.length > 0));
    this.size = unique.size;
    for (const word of unique) this.add(word);
    this.link();
  }

  /** Whether the text contains any of the words. */
  contains(text: string): boolean {
    if (this.size === 0) return false;
    let state = ROOT;
    for (let index = 0; index < text.length; index += 1) {
      state = this.step(state, FOLD[text.charCodeAt(index)]!);
      if (this.longest[state]! > 0) return true;
    }
    return false;
  }

  /** The text with every character of every occurrence replaced by `*` (one per character, also for emoji). */
  mask(text: string): string {
    if (this.size === 0) return text;
    let masked: Uint8Array | undefined;
    let state = ROOT;
    for (let index = 0; index < text.length; index += 1) {
      state = this.step(state, FOLD[text.charCodeAt(index)]!);
      const length = this.longest[state]!;
      if (length > 0) (masked ??= new Uint8Array(text.length)).fill(1, index - length + 1, index + 1);
    }
    if (!masked) return text;
    let result = '';
    let from = 0;
    for (let index = 0; index < text.length; index += 1) {
      if (!masked[index]) continue;
      result += text.slice(from, index) + '*';
      // A surrogate pair is one character: one `*`.
      const unit = text.charCodeAt(index);
      if (unit >= 0xd800 && unit <= 0xdbff && masked[index + 1]) index += 1;
      from = index + 1;
    }
    return result + text.slice(from);
  }

  /**
   * A draft of a text still being written (an answer streaming into a card), masked, without its
   * end where that end could be the start of a word: `secr` is held back until the next draft shows
   * whether it became `secret`. The whole text, once written, goes through `mask`.
   */
  maskDraft(text: string): string {
    if (this.size === 0) return text;
    let state = ROOT;
    for (let index = 0; index < text.length; index += 1) state = this.step(state, FOLD[text.charCodeAt(index)]!);
    // The state at the end stands for the longest end of the text that begins some word.
    let cut = text.length - this.depth[state]!;
    // Never between the two halves of a surrogate pair.
    const before = text.charCodeAt(cut - 1);
    if (cut > 0 && cut < text.length && before >= 0xd800 && before <= 0xdbff) cut -= 1;
    return this.mask(text.slice(0, cut));
  }

  private step(state: number, unit: number): number {
    let current = state;
    for (;;) {
      const target = this.next[current]!.get(unit);
      if (target !== undefined) return target;
      if (current === ROOT) return ROOT;
      current = this.fail[current]!;
    }
  }

  private add(word: string): void {
    let state = ROOT;
    for (let index = 0; index < word.length; index += 1) {
      const unit = word.charCodeAt(index);
      let target = this.next[state]!.get(unit);
      if (target === undefined) {
        target = this.next.length;
        this.next.push(new Map());
        this.fail.push(ROOT);
        this.longest.push(0);
        this.depth.push(index + 1);
        this.next[state]!.set(unit, target);
      }
      state = target;
    }
    this.longest[state] = Math.max(this.longest[state]!, word.length);
  }

  /** Failure links, breadth first; each state also inherits the longest word ending at its failure state. */
  private link(): void {
    const queue: number[] = [];
    for (const child of this.next[ROOT]!.values()) queue.push(child);
    for (let head = 0; head < queue.length; head += 1) {
      const state = queue[head]!;
      for (const [unit, child] of this.next[state]!) {
        let fallback = this.fail[state]!;
        while (fallback !== ROOT && !this.next[fallback]!.has(unit)) fallback = this.fail[fallback]!;
        const target = this.next[fallback]!.get(unit);
        this.fail[child] = target !== undefined && target !== child ? target : ROOT;
        this.longest[child] = Math.max(this.longest[child]!, this.longest[this.fail[child]!]!);
        queue.push(child);
      }
    }
  }
}

function foldText(text: string): string {
  let folded = '';
  for (let index = 0; index < text.length; index += 1) folded += String.fromCharCode(FOLD[text.charCodeAt(index)]!);
  return folded;
}
