/**
 * "Did you mean …?": the known words closest to a mistyped one (a command, a tool name).
 *
 * @module
 */

/**
 * The candidates within a small edit distance of `word` (insertions, deletions, substitutions
 * and swaps of neighbours, case ignored), closest first, at most `max`. A candidate that
 * starts with `word` (three letters or more) counts as close too: `auth` finds `authorize`.
 * @see https://en.wikipedia.org/wiki/Damerau%E2%80%93Levenshtein_distance
 */
export function closest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase();
  // One edit in a short word, two in a longer one: more would suggest unrelated words.
  const limit = w.length <= 4 ? 1 : w.length <= 8 ? 2 : 3;
  const scored: [string, number][] = [];
  for (const c of new Set(candidates)) {
    const lc = c.toLowerCase();
    const d = lc === w ? 0 : w.length >= 3 && lc.startsWith(w) ? 1 : distance(w, lc, limit);
    if (d <= limit) scored.push([c, d]);
  }
  return scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, max).map(
    ([c]) => c,
  );
}

/**
 * ` did you mean "a" or "b"?` (with a leading space), or "" when nothing is close or `word` is
 * shorter than three characters (one edit away from every two-letter word).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const close = [...word].length < 3 ? [] : closest(word, candidates);
  if (!close.length) return "";
  const quoted = close.map((c) => `"${c}"`);
  const list = quoted.length === 1
    ? quoted[0]
    : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
  return ` did you mean ${list}?`;
}

/** Optimal string alignment distance, giving up (limit + 1) once it must exceed `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Tool names come from servers: a long one is not worth a quadratic table.
  if (a.length > 64 || b.length > 64) return limit + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]![j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
