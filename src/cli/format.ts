/**
 * Small text formatters for CLI output.
 *
 * @module
 */

/** "in 59m", "in 2h 5m", "3d ago"… for an absolute time. */
export function relativeTime(at: number, now: number = Date.now()): string {
  const delta = at - now;
  const s = Math.round(Math.abs(delta) / 1000);
  let text: string;
  if (s < 60) text = `${s}s`;
  else if (s < 3600) text = `${Math.floor(s / 60)}m`;
  else if (s < 86400) text = `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  else text = `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()
  ).join("\n");
}
