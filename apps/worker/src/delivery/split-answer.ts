/**
 * DingTalk renders long markdown poorly and refuses webhook bodies over 20,000 bytes, so long answers
 * go out as ordered parts of at most `maxChars` characters and `maxBytes` UTF-8 bytes. Cuts fall on
 * paragraph boundaries; a code fence that must be cut is closed and reopened so each part renders.
 */
export interface SplitLimits {
  maxChars: number;
  maxBytes: number;
}

export const DEFAULT_SPLIT_LIMITS: SplitLimits = { maxChars: 2000, maxBytes: 6000 };

const FENCE = /^\s*(```|~~~)/;

function fits(text: string, limits: SplitLimits): boolean {
  return text.length <= limits.maxChars && Buffer.byteLength(text, 'utf8') <= limits.maxBytes;
}

/** Blocks are paragraphs, or whole fenced code blocks (never cut inside unless one alone is too long). */
function toBlocks(text: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  let inFence = false;
  for (const line of text.split('\n')) {
    if (FENCE.test(line)) inFence = !inFence;
    if (!inFence && line.trim() === '' && !FENCE.test(line)) {
      if (current.length > 0) blocks.push(current.join('\n'));
      current = [];
      continue;
    }
    current.push(line);
  }
  if (current.length > 0) blocks.push(current.join('\n'));
  return blocks;
}

/** Cuts one oversized block by lines (then by characters), keeping code fences balanced. */
function cutBlock(block: string, limits: SplitLimits): string[] {
  const lines = block.split('\n');
  const opener = FENCE.test(lines[0] ?? '') ? lines[0]!.trim() : undefined;
  const reserve = opener ? opener.length + 8 : 0;
  const room: SplitLimits = { maxChars: limits.maxChars - reserve, maxBytes: limits.maxBytes - reserve * 3 };
  const pieces: string[] = [];
  let current = '';
  const flush = () => {
    if (current) pieces.push(current);
    current = '';
  };
  for (const line of lines) {
    const candidate = current ? `${current}\n${line}` : line;
    if (fits(candidate, room)) {
      current = candidate;
      continue;
    }
    flush();
    let rest = line;
    while (!fits(rest, room)) {
      let cut = Math.min(rest.length, room.maxChars);
      while (cut > 1 && !fits(rest.slice(0, cut), room)) cut = Math.floor(cut * 0.9);
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
  }
  flush();
  if (!opener) return pieces;
  const fence = opener.startsWith('~~~') ? '~~~' : '```';
  return pieces.map((piece, index) => {
    const head = index === 0 ? '' : `${opener}\n`;
    const tail = index === pieces.length - 1 ? '' : `\n${fence}`;
    return `${head}${piece}${tail}`;
  });
}

export function splitAnswer(text: string, limits: SplitLimits = DEFAULT_SPLIT_LIMITS): string[] {
  if (fits(text, limits)) return [text];
  const parts: string[] = [];
  let current = '';
  for (const block of toBlocks(text)) {
    const candidate = current ? `${current}\n\n${block}` : block;
    if (fits(candidate, limits)) {
      current = candidate;
      continue;
    }
    if (current) parts.push(current);
    if (fits(block, limits)) {
      current = block;
    } else {
      parts.push(...cutBlock(block, limits));
      current = '';
    }
  }
  if (current) parts.push(current);
  return parts;
}
