/**
 * A one-time local link that forwards the browser to a URL that must not appear in its command
 * line: the dashboard's address with its key, an authorization URL with its state and PKCE
 * challenge. A browser's argument vector is readable by every local user (/proc/PID/cmdline,
 * `ps`) for as long as the browser runs; this link is worth nothing once followed.
 *
 * @module
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { hostGuard } from "./local-security.ts";

/** Options of {@link forwarderApp}. */
export interface ForwarderOptions {
  /** Where the browser goes. */
  target: string;
  /** The secret path, e.g. `/open/<random>`. */
  path: string;
  /** Accepted Host header values (read on every request, so they may be filled in later). */
  hosts: readonly string[];
  /** Called when the link is asked for again after it was used. */
  onReplay?: () => void;
}

/**
 * A Hono app that answers the first GET of `path` with a 303 to `target` and every later one
 * with 410; anything else is 404. A HEAD does not use the link up (some openers probe first).
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-8.1
 */
export function forwarderApp(o: ForwarderOptions): Hono {
  let used = false;
  const app = new Hono();
  app.use(secureHeaders({ referrerPolicy: "no-referrer" }));
  const guard = hostGuard(o.hosts);
  app.use(async (c, next) => guard(c) ?? await next());
  app.on(["GET", "HEAD"], o.path, (c) => {
    c.header("Cache-Control", "no-store");
    if (c.req.method === "HEAD") return c.body(null, 204);
    if (used) {
      o.onReplay?.();
      return c.text(
        "This one-time mcp-oauth link was already used. If you did not open it, another program did: cancel and start again.",
        410,
      );
    }
    used = true;
    return c.redirect(o.target, 303);
  });
  app.notFound((c) => c.text("Not found", 404));
  return app;
}
