// A fence line (up to three spaces, then ``` or ~~~ and an info string) or a reasoning tag anywhere.
const TOKENS = /^ {0,3}(`{3,}|~{3,})[^\n]*$|<think>|<\/think>/gm;

/**
 * Removes the reasoning that models such as DeepSeek-R1, QwQ or Qwen3 write into their answer when
 * an OpenAI-compatible server passes it through: every `<think>…</think>` block, a leading
 * `<think>` block the model never closed (it ran out of tokens while thinking), and leading
 * reasoning closed by `</think>` without an opening tag (chat templates that put `<think>` into
 * the prompt). Tags inside code fences are code the user asked about and stay.
 */
export function stripReasoning(answer: string): string {
  // Most answers have no tag at all; a streamed answer is stripped once per chunk, so skip the scan.
  if (!answer.includes('think>')) return answer;
  const cuts: [number, number][] = [];
  let fence: string | undefined;
  let thinkingSince: number | undefined;
  let first = true;
  for (const match of answer.matchAll(TOKENS)) {
    const [token] = match;
    const start = match.index;
    const end = start + token.length;
    const isFirst = first;
    first = false;
    if (thinkingSince !== undefined) {
      // Reasoning goes whole, code it sketched included.
      if (token === '</think>') {
        cuts.push([thinkingSince, end]);
        thinkingSince = undefined;
      }
    } else if (fence !== undefined) {
      if (isClosingFence(token, fence)) fence = undefined;
    } else if (token === '<think>') {
      thinkingSince = start;
    } else if (token === '</think>') {
      // Only as the very first tag and ending its line: otherwise a lone closing tag is more
      // likely prose about tags.
      if (isFirst && /^[ \t]*(\n|$)/.test(answer.slice(end))) cuts.push([0, end]);
    } else {
      fence = token.trim().match(/^(`+|~+)/)![1];
    }
  }
  if (thinkingSince !== undefined && isBlank(answer, cuts, thinkingSince)) cuts.push([thinkingSince, answer.length]);
  if (cuts.length === 0) return answer;
  let kept = '';
  let from = 0;
  for (const [start, end] of cuts) {
    kept += answer.slice(from, start);
    from = end;
  }
  return (kept + answer.slice(from)).trim();
}

/** A closing fence is the opening's character, at least as long, with nothing after it. */
function isClosingFence(line: string, opening: string): boolean {
  const marker = line.trim();
  return marker.length >= opening.length && marker === opening[0]!.repeat(marker.length);
}

/** Whether nothing but whitespace remains before `position` once the cuts are made. */
function isBlank(answer: string, cuts: [number, number][], position: number): boolean {
  let from = 0;
  for (const [start, end] of cuts) {
    if (answer.slice(from, start).trim() !== '') return false;
    from = end;
  }
  return answer.slice(from, position).trim() === '';
}
