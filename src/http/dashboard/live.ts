/**
 * What makes the dashboard's servers section change, as one short string: the page sends it
 * back every 2 s (`/servers/live?since=…`) and gets 204 until it differs.
 *
 * @module
 */
import type { RowView } from "./views.ts";

/**
 * A signature of everything the rows show except the passing of time (the page counts down by
 * itself): names, states, expiry instants, issuers, scopes, URLs, pending sign-ins, messages.
 * Never a secret: rows hold none.
 */
export function rowsSignature(rows: readonly RowView[]): string {
  const parts = rows.map((r) => {
    const s = r.status;
    return [
      r.id,
      s.state,
      s.expiresAt ?? "",
      s.issuer ?? "",
      s.scopes.join(" "),
      s.url,
      s.error ?? "",
      r.pending,
      r.refreshError ?? "",
      JSON.stringify(r.message ?? null),
    ];
  });
  return fnv1a(JSON.stringify(parts));
}

/** How many of `instants` (ms) have passed at `now`: the part of a signature time changes. */
export function passed(instants: readonly number[], now: number): number {
  return instants.filter((t) => t <= now).length;
}

/**
 * FNV-1a, 32 bits, in base 36: a change detector, not a secret or an integrity check.
 * @see http://www.isthe.com/chongo/tech/comp/fnv/index.html#FNV-1a
 */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${h.toString(36)}-${text.length.toString(36)}`;
}
