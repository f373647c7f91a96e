/**
 * DingTalk renders long markdown poorly and refuses webhook bodies over 20,000 bytes, so long answers
 * go out as ordered parts of at most `maxChars` characters (UTF-16 code units) and `maxBytes` UTF-8
 * bytes. Cuts fall on paragraph boundaries, else on line ends, else between two code points; a code
 * fence that must be cut is closed and reopened so each part renders. The rules, and what "joined"
 * means, are in docs/dingtalk-markdown.md.
 */
export interface SplitLimits {
  maxChars: number;
  maxBytes: number;
}

export const DEFAULT_SPLIT_LIMITS: SplitLimits = { maxChars: 2000, maxBytes: 6000 };

/**
 * One part as the text's own slice (`body`) and what the split added or dropped around it. The bodies and
 * gaps of all parts, in order, are the text: `parts.map((p) => p.body + p.gap).join('') === text`.
 */
export interface AnswerPart {
  /** The fence's opener line and a newline, when the part continues a fenced block; else ''. */
  reopen: string;
  body: string;
  /** A newline and a closing fence, when the part ends inside a fenced block; else ''. */
  close: string;
  /** The whitespace at the cut that no part shows: the blank lines between paragraphs, or a line's newline. */
  gap: string;
}

/**
 * A reopened fence (its opener line again and a closing marker) takes at most this share of a part, so at
 * least three quarters of every part carry the text. A fence whose lines would take more (an opener line
 * nearly as long as a part) is cut like plain text: rendering it as code in every part is not worth parts
 * that carry almost nothing.
 */
const FENCE_SHARE = 4;

/** Smallest limits with room for one code point (two UTF-16 units, four bytes) after a fence's share. */
const MIN_LIMITS: SplitLimits = { maxChars: 8, maxBytes: 16 };

interface Fence {
  /** The opener line without its indentation, as a reopened part starts. */
  opener: string;
  /** The closing marker: the opener's marker (a closer may be longer, never shorter). */
  marker: string;
  /** Whether it is closed and reopened at a cut (`FENCE_SHARE`). */
  reopens: boolean;
}

interface Line {
  start: number;
  /** Index of its newline, or the text's length for the last line. */
  end: number;
  blank: boolean;
  /** The fence this line is content or closer of (a cut inside the line is inside it). */
  within: Fence | undefined;
  /** The fence still open after this line (it opened or continues it). */
  after: Fence | undefined;
}

const OPENER = /^ {0,3}(`{3,}|~{3,})/;
const CLOSER = /^ {0,3}(`{3,}|~{3,})\s*$/;

/** The text as the parts DingTalk is sent, each within `limits` with any fence it adds. */
export function splitAnswer(text: string, limits: SplitLimits = DEFAULT_SPLIT_LIMITS): string[] {
  return splitAnswerParts(text, limits).map((part) => part.reopen + part.body + part.close);
}

export function splitAnswerParts(text: string, limits: SplitLimits = DEFAULT_SPLIT_LIMITS): AnswerPart[] {
  if (!(limits.maxChars >= MIN_LIMITS.maxChars && limits.maxBytes >= MIN_LIMITS.maxBytes)) {
    throw new RangeError(`split limits must be at least ${MIN_LIMITS.maxChars} characters and ${MIN_LIMITS.maxBytes} bytes`);
  }
  const bytes = prefixBytes(text);
  const fits = (from: number, to: number, extra: string) =>
    to - from + extra.length <= limits.maxChars && bytes[to]! - bytes[from]! + utf8Length(extra) <= limits.maxBytes;
  if (fits(0, text.length, '')) return [{ reopen: '', body: text, close: '', gap: '' }];

  const lines = readLines(text, limits);
  const parts: AnswerPart[] = [];
  let start = 0;
  let open: Fence | undefined;
  while (start < text.length) {
    const reopen = open?.reopens ? `${open.opener}\n` : '';
    if (fits(start, text.length, reopen)) {
      parts.push({ reopen, body: text.slice(start), close: '', gap: '' });
      break;
    }
    const cut = findCut(text, lines, start, reopen, fits);
    parts.push({ reopen, body: text.slice(start, cut.end), close: cut.fence?.reopens ? `\n${cut.fence.marker}` : '', gap: text.slice(cut.end, cut.next) });
    open = cut.fence;
    start = cut.next;
  }
  return withoutBlankParts(parts);
}

interface Cut {
  /** Where the part's body ends. */
  end: number;
  /** Where the next part's body starts (after the gap). */
  next: number;
  /** The fence open at the cut. */
  fence: Fence | undefined;
}

/**
 * The latest cut that fits: after a paragraph (outside fences), else at a line end, else between code
 * points. Always past `start` by at least one code point, so the split ends on any input.
 */
function findCut(text: string, lines: readonly Line[], start: number, reopen: string, fits: (from: number, to: number, extra: string) => boolean): Cut {
  const closeOf = (fence: Fence | undefined) => (fence?.reopens ? `\n${fence.marker}` : '');
  const last = lineAt(lines, lastFitting(start, text.length, (end) => fits(start, end, reopen)));
  // Lines ending after `start`, latest first; only those up to the last fitting end can fit.
  let lineCut: Cut | undefined;
  for (let index = last; index >= 0 && lines[index]!.end > start; index -= 1) {
    const line = lines[index]!;
    if (line.end >= text.length || !fits(start, line.end, reopen + closeOf(line.after))) continue;
    // After an opener line, a part would end in an empty code block: cut inside the code instead.
    if (line.after?.reopens && line.after !== line.within) continue;
    const following = lines[index + 1]!;
    if (!line.blank && !line.after && following.blank) {
      let next = index + 1;
      while (next < lines.length && lines[next]!.blank) next += 1;
      return { end: line.end, next: next < lines.length ? lines[next]!.start : text.length, fence: undefined };
    }
    lineCut ??= { end: line.end, next: line.end + 1, fence: line.after };
  }
  if (lineCut) return lineCut;
  // The close depends on where the cut falls; the room for it only grows, so this ends.
  let close = closeOf(fenceAt(lines, start));
  for (;;) {
    let end = lastFitting(start, text.length, (to) => fits(start, to, reopen + close));
    if (isHighSurrogate(text.charCodeAt(end - 1)) && isLowSurrogate(text.charCodeAt(end))) end -= 1;
    // The floor: limits of at least `MIN_LIMITS` always leave room for a code point, and should they not,
    // one code point too many in a part is better than a split that never ends.
    if (end <= start) end = start + (isHighSurrogate(text.charCodeAt(start)) && isLowSurrogate(text.charCodeAt(start + 1)) ? 2 : 1);
    const fence = fenceAt(lines, end);
    const needed = closeOf(fence);
    if (needed.length <= close.length || fits(start, end, reopen + needed)) return { end, next: end, fence };
    close = needed;
  }
}

/** The fence open where a body ends at `position`: after a whole line, the one open after it; inside a line, the one it is code of. */
function fenceAt(lines: readonly Line[], position: number): Fence | undefined {
  const index = lineAt(lines, position);
  const line = lines[index]!;
  if (position === line.start && index > 0) return lines[index - 1]!.after;
  return position === line.end ? line.after : line.within;
}

/** The largest `end` in (from, to] with `fits(end)`, which holds up to some end and not past it; `from` if none. */
function lastFitting(from: number, to: number, fits: (end: number) => boolean): number {
  let low = from;
  let high = to;
  while (low < high) {
    const middle = low + Math.ceil((high - low) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The index of the line holding `position` (a line's newline belongs to it). */
function lineAt(lines: readonly Line[], position: number): number {
  let low = 0;
  let high = lines.length - 1;
  while (low < high) {
    const middle = low + Math.ceil((high - low) / 2);
    if (lines[middle]!.start <= position) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The lines, each with the fence it is in, by the rules DingTalk's renderer and `toDingTalkMarkdown` share. */
function readLines(text: string, limits: SplitLimits): Line[] {
  const lines: Line[] = [];
  let fence: Fence | undefined;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const content = text.slice(start, end);
    const within = fence;
    if (fence) {
      const closer = CLOSER.exec(content)?.[1];
      if (closer && closer[0] === fence.marker[0] && closer.length >= fence.marker.length) fence = undefined;
    } else {
      const marker = OPENER.exec(content)?.[1];
      if (marker) fence = fenceOf(content.trim(), marker, limits);
    }
    lines.push({ start, end, blank: within === undefined && fence === undefined && content.trim() === '', within, after: fence });
    if (newline < 0) break;
    start = newline + 1;
  }
  return lines;
}

function fenceOf(opener: string, marker: string, limits: SplitLimits): Fence {
  const marks = `${opener}\n\n${marker}`;
  const reopens = marks.length * FENCE_SHARE <= limits.maxChars && utf8Length(marks) * FENCE_SHARE <= limits.maxBytes;
  return { opener, marker, reopens };
}

/**
 * A part of nothing but whitespace outside any fence (a run of blank lines longer than a part) would be an
 * empty message: it joins the gap before it. The first part has none before it; answers arrive trimmed.
 */
function withoutBlankParts(parts: AnswerPart[]): AnswerPart[] {
  const kept: AnswerPart[] = [];
  for (const part of parts) {
    const previous = kept.at(-1);
    if (previous && part.reopen === '' && part.close === '' && part.body.trim() === '') previous.gap += part.body + part.gap;
    else kept.push(part);
  }
  return kept;
}

/** UTF-8 bytes of the text before each index, as `Buffer.byteLength` counts them (a lone surrogate is 3). */
function prefixBytes(text: string): Uint32Array {
  const bytes = new Uint32Array(text.length + 1);
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    let size: number;
    if (unit < 0x80) size = 1;
    else if (unit < 0x800) size = 2;
    // The pair counts four on its first half, nothing on its second.
    else if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(index + 1))) size = 4;
    else if (isLowSurrogate(unit) && isHighSurrogate(text.charCodeAt(index - 1))) size = 0;
    else size = 3;
    bytes[index + 1] = bytes[index]! + size;
  }
  return bytes;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
