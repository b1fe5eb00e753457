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

/**
 * Every character a terminal would act on instead of show, other than line feed and tab: the
 * C0 and C1 controls (ESC starts colour, cursor, screen-clearing and OSC 52 clipboard
 * sequences; BEL rings; CR overwrites the line; U+009B is a one-byte CSI), DEL, and the
 * bidirectional controls that reorder what is shown (CVE-2021-42574). The same set as
 * `oneLine` drops, plus U+061C.
 */
const ACTIVE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Server text of several lines (a tool's result) made safe for a terminal: line breaks kept,
 * every other control and bidirectional character shown as U+FFFD. For one-line fields use
 * `oneLine` (core/errors.ts), which also caps the length.
 * @see https://www.cve.org/CVERecord?id=CVE-2021-42574
 */
export function showable(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(ACTIVE, "\ufffd");
}

/**
 * JSON for stdout with nothing a terminal acts on: JSON.stringify escapes C0 controls but
 * writes DEL, C1 and bidirectional controls raw; here they are \u escapes too (the same value
 * for any JSON reader).
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-7
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    ACTIVE,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
