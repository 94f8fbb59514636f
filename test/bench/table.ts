/** Plain-text tables: a title, a header row, columns padded; the first column left-aligned, figures right-aligned. */
export type Cell = string | number;

export function renderTable(title: string, header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [header, ...rows].map((row) => row.map(formatCell));
  const widths = header.map((_, column) => Math.max(...text.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column > 0 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [title, line(text[0]!), rule, ...text.slice(1).map(line)].join('\n');
}

/** Numbers with sensible precision: 12,345 (and every integer whole), 12.3, 0.123. */
export function formatCell(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return String(cell);
  if (Number.isInteger(cell)) return cell.toLocaleString('en-US');
  const abs = Math.abs(cell);
  if (abs >= 1000) return Math.round(cell).toLocaleString('en-US');
  if (abs >= 100) return cell.toFixed(0);
  if (abs >= 10) return cell.toFixed(1);
  if (abs >= 1) return cell.toFixed(2);
  return cell.toFixed(3);
}
