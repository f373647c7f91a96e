/** Left-aligned plain-text columns, wide enough for their longest cell. */
export function table(header, rows) {
  const cells = [header, ...rows].map((row) => row.map((cell) => (cell === undefined || cell === null ? '—' : String(cell))));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  const line = (row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(cells[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
