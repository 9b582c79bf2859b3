/**
 * Plain-text tables and times for people: columns padded to their widest cell, long cells cut with an ellipsis,
 * times relative to now ("3m ago", "in 7m"). No colours: the output is read in terminals, logs and CI alike.
 *
 * @module
 */

import { printable } from './terminal-safe';

/** Reasons and messages can be sentences; a table row should stay on one line. */
const MAX_CELL = 48;

/** Escaped first (a cell's text comes from the API), then cut. */
const cut = (raw: string): string => {
  const cell = printable(raw);
  return cell.length > MAX_CELL ? `${cell.slice(0, MAX_CELL - 1)}…` : cell;
};

export function table(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(cut))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return `${cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** `key: value` lines with the keys aligned; rows whose value is undefined are left out. */
export function details(rows: [string, string | undefined][]): string {
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined);
  const width = Math.max(...shown.map(([key]) => key.length));
  return `${shown.map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${printable(value)}`).join('\n')}\n`;
}

/** A duration in the largest unit that keeps it short: 45s, 12m, 3h, 5d. */
export function duration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 90) return `${seconds}s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)}m`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/** "3m ago" or "in 7m"; "-" for no time. */
export function relative(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const delta = Date.parse(iso) - now;
  return delta <= 0 ? `${duration(delta)} ago` : `in ${duration(delta)}`;
}
