const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const TABLE_ROW = /^\s*\|?.*\|.*$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * An AI card renders markdown itself, tables and code blocks included, but a table right under a line of
 * text is not taken for a table (DingTalk's own AI connector adds the blank line for the same reason). So a
 * blank line goes before every table that follows text; everything else is sent as the model wrote it.
 * Code blocks are left alone.
 */
export function toCardMarkdown(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let fence: string | undefined;
  for (const [index, line] of lines.entries()) {
    const opening = FENCE.exec(line)?.[1];
    if (fence) {
      if (opening && opening[0] === fence[0] && opening.length >= fence.length && line.trim() === opening) fence = undefined;
    } else if (opening) {
      fence = opening;
    } else if (startsTable(lines, index) && index > 0) {
      const before = lines[index - 1]!;
      if (before.trim() !== '' && !TABLE_ROW.test(before)) out.push('');
    }
    out.push(line);
  }
  return out.join('\n');
}

/** A header row: a line with a pipe, followed by a delimiter row (`|---|:--:|`). */
function startsTable(lines: readonly string[], index: number): boolean {
  const next = lines[index + 1];
  return TABLE_ROW.test(lines[index]!) && next !== undefined && next.includes('-') && TABLE_DELIMITER.test(next);
}
