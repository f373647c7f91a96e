/**
 * Model answers are written for a full markdown renderer; DingTalk's markdown messages render a subset
 * (headings, quotes, bold, italic, links, images, flat lists) and differ from CommonMark where it hurts
 * (docs/dingtalk-markdown.md):
 *
 * - a single newline is merged into the line before, so every line that continues a block ends with a
 *   hard break (two spaces);
 * - tables are not rendered, so a table becomes one line per row, the header in bold;
 * - HTML is rendered by the desktop client (even inside code) and blanks the message on phones, so
 *   every `<` is escaped; `<br>` becomes a line break and an autolink `<https://…>` a link;
 * - leading spaces are dropped, so indentation (nested lists, code) is kept with no-break spaces;
 * - fenced code renders on the desktop only and its lines are still read as markdown there, so a code
 *   line that would start a heading, quote or list is escaped.
 *
 * Only message routes (webhook, OpenAPI) send this; an AI card renders markdown itself (`card/card-markdown.ts`).
 */
export function toDingTalkMarkdown(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let fence: { marker: string; length: number } | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (fence) {
      if (closesFence(line, fence)) fence = undefined;
      out.push(fence ? codeLine(line) : line.trim());
      continue;
    }
    const opening = FENCE.exec(line);
    if (opening) {
      fence = { marker: opening[1]![0]!, length: opening[1]!.length };
      // The info string is text anyone can steer, and the desktop client renders HTML even there.
      out.push(escapeHtml(line.trim()));
      continue;
    }
    const table = readTable(lines, index);
    if (table) {
      out.push(...table.rows);
      index = table.end - 1;
      continue;
    }
    if (THEMATIC_BREAK.test(line) && (out.at(-1) ?? '').trim() !== '') out.push('');
    out.push(...proseLine(line));
  }
  return withHardBreaks(out);
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const THEMATIC_BREAK = /^ {0,3}([-*_])( *\1){2,} *$/;
const NBSP = '\u00a0';
const HARD_BREAK = '  ';

function closesFence(line: string, fence: { marker: string; length: number }): boolean {
  const match = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  return match !== null && match[1]![0] === fence.marker && match[1]!.length >= fence.length;
}

/** Every line that is followed by another line of the same block ends with a hard break. */
function withHardBreaks(lines: string[]): string {
  return lines
    .map((line, index) => {
      const next = lines[index + 1];
      if (line.trim() === '' || next === undefined || next.trim() === '') return line.trimEnd();
      return line.trimEnd() + HARD_BREAK;
    })
    .join('\n');
}

/** Leading spaces (a tab counts four) as no-break spaces, which DingTalk keeps. */
function keepIndent(line: string): string {
  const indent = /^[ \t]*/.exec(line)![0];
  const width = [...indent].reduce((sum, char) => sum + (char === '\t' ? 4 : 1), 0);
  return NBSP.repeat(width) + line.slice(indent.length);
}

function escapeHtml(text: string): string {
  return text.replace(/</g, '&lt;');
}

/** A line of fenced code: HTML escaped, indentation kept, a leading block marker escaped. */
function codeLine(line: string): string {
  const escaped = escapeHtml(line.trimEnd());
  if (/^[ \t]/.test(escaped)) return keepIndent(escaped);
  return escaped.replace(/^([#>+*-]|\d+[.)])/, '\\$1');
}

/**
 * A line of prose: `<br>` splits it, an autolink becomes a link, other HTML is escaped. Indentation of
 * two or more spaces (a nested list, a continued item) is kept; one space is markdown's own slack.
 */
function proseLine(line: string): string[] {
  return line.split(/<br\s*\/?>/i).map((piece, index) => {
    const text = escapeHtml(piece.replace(/<((?:https?|mailto):[^\s<>]+)>/gi, '[$1]($1)'));
    if (index > 0) return text.trimStart();
    return /^( {2,}|\t)/.test(text) ? keepIndent(text) : text;
  });
}

const DELIMITER_CELL = /^\s*:?-+:?\s*$/;

/** Cells of a table row; pipes escaped with a backslash belong to the cell. */
function cellsOf(row: string): string[] {
  const cells = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/);
  return cells.map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/**
 * A GitHub table starting at `start` (a header row, then a delimiter row), rendered as one line per
 * row: header cells in bold, cells separated by ` | `, `<br>` inside a cell as ` / `.
 */
function readTable(lines: readonly string[], start: number): { rows: string[]; end: number } | undefined {
  const header = lines[start]!;
  const delimiter = lines[start + 1];
  if (!header.includes('|') || delimiter === undefined || !delimiter.includes('|')) return undefined;
  const delimiterCells = cellsOf(delimiter);
  if (!delimiterCells.every((cell) => DELIMITER_CELL.test(cell))) return undefined;
  let end = start + 2;
  while (end < lines.length && lines[end]!.includes('|') && lines[end]!.trim() !== '') end += 1;
  const render = (row: string, bold: boolean) =>
    cellsOf(row)
      .map((cell) => escapeHtml(cell.replace(/<br\s*\/?>/gi, ' / ')))
      .map((cell) => (bold && cell ? `**${cell.replace(/\*\*/g, '')}**` : cell))
      .join(' | ');
  return { rows: [render(header, true), ...lines.slice(start + 2, end).map((row) => render(row, false))], end };
}
