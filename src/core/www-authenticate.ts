/**
 * Parse `WWW-Authenticate` challenges of an unauthenticated 401 or 403, which
 * oauth4webapi does not expose publicly.
 *
 * @module
 */

/** One challenge: a scheme (lower-cased) and its auth-params (names lower-cased). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** What the MCP client needs from a Bearer challenge. */
export interface BearerChallenge {
  /** Set when the server challenged with the DPoP scheme instead (RFC 9449 §7.1). */
  scheme?: "dpop";
  /** RFC 9728 §5.1 `resource_metadata` URL. */
  resourceMetadata?: string;
  /** Space-separated scopes the server wants (MCP scope selection; RFC 6750 §3.1). */
  scope?: string;
  /** RFC 6750 §3 error code, e.g. `insufficient_scope`. */
  error?: string;
  errorDescription?: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
// token68 stands alone: it is followed by a comma or the end, never by a value.
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/;

/**
 * Parse a header value into challenges. Malformed trailing parts are
 * dropped rather than thrown: a server's bad header must not stop discovery,
 * which then falls back to the well-known URLs (RFC 9728 §3.1).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export function parseWwwAuthenticate(header: string | null | undefined): Challenge[] {
  const out: Challenge[] = [];
  let rest = (header ?? "").slice(0, 8192);
  let current: Challenge | undefined;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, "");
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break;
    const after = rest.slice(name.length);
    const eq = /^\s*=\s*/.exec(after);
    if (current && eq) {
      rest = after.slice(eq[0].length);
      const value = readValue(rest);
      if (!value) break;
      const key = name.toLowerCase();
      // Own properties only: "constructor" or "__proto__" must not hit the prototype.
      if (!Object.hasOwn(current.params, key)) {
        Object.defineProperty(current.params, key, {
          value: value.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      rest = rest.slice(value.length);
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    rest = after.replace(/^\s+/, "");
    const blob = TOKEN68.exec(rest);
    if (blob && after !== rest) rest = rest.slice(blob[0].length);
  }
  return out;
}

function readValue(s: string): { value: string; length: number } | undefined {
  if (s.startsWith('"')) {
    let value = "";
    for (let i = 1; i < s.length; i++) {
      const ch = s[i];
      if (ch === "\\" && i + 1 < s.length) value += s[++i];
      else if (ch === '"') return { value, length: i + 1 };
      else value += ch;
    }
    return undefined;
  }
  const token = TOKEN.exec(s)?.[0];
  return token ? { value: token, length: token.length } : undefined;
}

/**
 * The Bearer challenge of a response, if any, else its DPoP challenge (same parameters, RFC
 * 9449 §7.1): a server that asks for DPoP-bound tokens names its metadata there.
 * @see https://datatracker.ietf.org/doc/html/rfc6750#section-3
 * @see https://datatracker.ietf.org/doc/html/rfc9728#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-7.1
 */
export function bearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  const all = parseWwwAuthenticate(header);
  const c = all.find((x) => x.scheme === "bearer") ?? all.find((x) => x.scheme === "dpop");
  if (!c) return undefined;
  return {
    ...(c.scheme === "dpop" ? { scheme: "dpop" as const } : {}),
    resourceMetadata: c.params["resource_metadata"],
    scope: c.params["scope"],
    error: c.params["error"],
    errorDescription: c.params["error_description"],
  };
}
