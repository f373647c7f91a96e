const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/** One cell of a delimiter row: dashes, with a colon at either end for alignment. */
const DELIMITER_CELL = /^:?-+:?$/;

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
      if (before.trim() !== '' && !isTableRow(before)) out.push('');
    }
    out.push(line);
  }
  return out.join('\n');
}

/** A header row: a line with a pipe, followed by a delimiter row (`|---|:--:|`). */
function startsTable(lines: readonly string[], index: number): boolean {
  const next = lines[index + 1];
  return isTableRow(lines[index]!) && next !== undefined && isDelimiterRow(next);
}

/*
 * Plain string work, no regular expression over the whole line: the patterns these replaced
 * (`^\s*\|?.*\|.*$` and one with `\s*\|?\s*` in a row) backtrack quadratically on a long run of
 * whitespace, and a model answer of 80,000 tabs held the worker's event loop for 21 s.
 */
function isTableRow(line: string): boolean {
  return line.includes('|');
}

/** `|---|:--:|`, `--|--`, `| :-- | --: |`: cells of dashes between pipes, outer pipes optional. */
function isDelimiterRow(line: string): boolean {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|')) row = row.slice(0, -1);
  return row.split('|').every((cell) => DELIMITER_CELL.test(cell.trim()));
}
