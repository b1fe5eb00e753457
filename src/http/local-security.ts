/**
 * Local security for servers on loopback: the Host header must name the
 * address served (DNS rebinding), state-changing requests must come from our
 * own Origin (CSRF), and everything but public paths needs the per-launch
 * secret, first given in the URL (`?k=`), then kept in a strict cookie.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";

/** Options of {@link localSecurity}. */
export interface LocalSecurityOptions {
  /** Accepted Host header values, e.g. ["127.0.0.1:7777", "localhost:7777"]. */
  hosts: string[];
  /** Accepted Origin values for POST and friends. */
  origins: string[];
  /** The per-launch secret. */
  secret: string;
  /** Cookie that holds the secret. */
  cookie: string;
  /** Paths open without the secret (the OAuth callback, static assets, the proxy). */
  isPublic: (path: string) => boolean;
  /**
   * Paths whose non-browser clients send no Origin (the MCP proxy): a missing
   * Origin is allowed there, a foreign one still is not.
   */
  originOptional?: (path: string) => boolean;
}

/**
 * A Hono middleware enforcing {@link LocalSecurityOptions}.
 * @see https://developer.mozilla.org/en-US/docs/Web/Security/Attacks/DNS_rebinding
 */
export function localSecurity(options: LocalSecurityOptions): MiddlewareHandler {
  const origins = new Set(options.origins);
  const guard = hostGuard(options.hosts);
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
    const key = c.req.query("k");
    if (safe && key !== undefined) {
      if (!same(key, options.secret)) return c.text("Refused: wrong access key.", 403);
      setCookie(c, options.cookie, options.secret, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/",
      });
      // Drop the key from the address bar and history.
      return c.redirect(c.req.path, 303);
    }
    if (!same(getCookie(c, options.cookie) ?? "", options.secret)) {
      return c.text(
        "Locked: open the address that `mcp-oauth serve` printed (it carries the access key).",
        401,
      );
    }
    await next();
  };
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
