/**
 * Local security for servers on loopback: the Host header must name the
 * address served (DNS rebinding), state-changing requests must come from our
 * own Origin (CSRF), and everything but public paths needs the per-launch
 * secret: in the address once (`?k=`), then held by the page, which sends it
 * in a header on every request it makes (or, for a plain form post, a field).
 *
 * Never in a cookie: cookies ignore ports, so a cookie for 127.0.0.1 would go
 * to every other service on 127.0.0.1, and any of them could read it.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";

/** The request header that carries the key (the dashboard's script adds it). */
export const KEY_HEADER = "mcp-oauth-key";
/** The query parameter (GET) and form field (POST) that may carry the key instead. */
export const KEY_FIELD = "k";

/** Options of {@link localSecurity}. */
export interface LocalSecurityOptions {
  /** Accepted Host header values, e.g. ["127.0.0.1:7777", "localhost:7777"]. */
  hosts: string[];
  /** Accepted Origin values for POST and friends. */
  origins: string[];
  /** The per-launch secret. */
  secret: string;
  /** Paths open without the secret (the OAuth callback, static assets, the proxy). */
  isPublic: (path: string) => boolean;
  /**
   * Paths whose non-browser clients send no Origin (the MCP proxy): a missing
   * Origin is allowed there, a foreign one still is not.
   */
  originOptional?: (path: string) => boolean;
  /** The page answering a request without the key (401) or with a wrong one (403). */
  refusal?: (c: Context, message: string, status: 401 | 403) => Response | Promise<Response>;
}

/**
 * A Hono middleware enforcing {@link LocalSecurityOptions}. The key is taken from the
 * {@link KEY_HEADER} header, else on GET and HEAD from the `k` query parameter, else on a
 * form POST from the `k` field; never from a cookie.
 * @see https://developer.mozilla.org/en-US/docs/Web/Security/Attacks/DNS_rebinding
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-8.5
 */
export function localSecurity(options: LocalSecurityOptions): MiddlewareHandler {
  const origins = new Set(options.origins);
  const guard = hostGuard(options.hosts);
  const refuse = options.refusal ?? ((c, message, status) => c.text(message, status));
  return async (c, next) => {
    const refused = guard(c);
    if (refused) return refused;
    const safe = c.req.method === "GET" || c.req.method === "HEAD";
    if (!safe) {
      const origin = c.req.header("origin");
      const missingOk = origin === undefined && options.originOptional?.(c.req.path) === true;
      if (!missingOk && !origins.has(origin ?? "")) {
        return c.text("Refused: cross-site request (the Origin is not this dashboard).", 403);
      }
    }
    if (options.isPublic(c.req.path)) return await next();
    const fromQuery = safe ? c.req.query(KEY_FIELD) : undefined;
    const key = c.req.header(KEY_HEADER) ?? fromQuery ?? await formKey(c);
    if (key !== undefined && same(key, options.secret)) return await next();
    if (fromQuery !== undefined) return await refuse(c, "Refused: wrong access key.", 403);
    return await refuse(
      c,
      "Locked: open the address that `mcp-oauth serve` printed (it carries the access key).",
      401,
    );
  };
}

/** The `k` field of a form POST (the Authorize form opens a tab: no script adds a header). */
async function formKey(c: Context): Promise<string | undefined> {
  if (c.req.method !== "POST") return undefined;
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return undefined;
  // Hono keeps the parsed body, so the route reads it again for free.
  const body = await c.req.parseBody().catch(() => ({} as Record<string, unknown>));
  const value = body[KEY_FIELD];
  return typeof value === "string" ? value : undefined;
}

/**
 * The DNS-rebinding check alone: a 421 response when the request's Host header is none of
 * `hosts`, else undefined. `hosts` is read on every request, so a caller may fill it once its
 * listener's port is known.
 * @see https://developer.mozilla.org/en-US/docs/Web/Security/Attacks/DNS_rebinding
 */
export function hostGuard(hosts: readonly string[]): (c: Context) => Response | undefined {
  return (c) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (hosts.some((h) => h.toLowerCase() === host)) return undefined;
    return c.text(
      `Refused: this server answers only to ${hosts[0] ?? "its loopback address"} (Host was "${
        host.slice(0, 100)
      }").`,
      421,
    );
  };
}

/**
 * Constant-time comparison with the key (whose length is fixed and public).
 * Written by hand: hono's timingSafeEqual hashes both strings with SHA-256
 * on every request, which was a tenth of the list page's time.
 */
function same(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
