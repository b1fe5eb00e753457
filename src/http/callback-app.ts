/**
 * The loopback callback route: receives the authorization response, hands it
 * to the engine, and shows the person a page saying whether it worked.
 *
 * @module
 */
import { Hono } from "hono";
import { html, raw } from "hono/html";
import { secureHeaders } from "hono/secure-headers";
import { hostGuard } from "./local-security.ts";

/** The outcome shown on the callback page. */
export interface CallbackOutcome {
  ok: boolean;
  /** One line for the person; never a token or code. */
  message: string;
}

/**
 * A Hono app serving `GET /callback` (or `path`). `handle` gets the full callback URL and
 * decides; the page only reports the outcome. With `hosts`, a request whose Host header is
 * none of them is refused with 421 before `handle` sees it (DNS rebinding); the list is read
 * on every request, so a caller may fill it once the listener's port is known.
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-7.3
 */
export function callbackApp(
  handle: (url: URL) => Promise<CallbackOutcome>,
  path = "/callback",
  hosts?: readonly string[],
): Hono {
  const app = new Hono();
  app.use(secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: ["'unsafe-inline'"],
      imgSrc: ["data:"],
      // Only the one line that takes the code out of the address bar, by its hash.
      scriptSrc: [`'${CLEAR_ADDRESS_HASH}'`],
    },
    referrerPolicy: "no-referrer",
  }));
  if (hosts) {
    const guard = hostGuard(hosts);
    app.use(async (c, next) => guard(c) ?? await next());
  }
  // The browser asks for one after the callback page: an icon, not a 404 in its console.
  app.get("/favicon.ico", (c) => c.body(ICON_SVG, 200, { "content-type": "image/svg+xml" }));
  app.get(path, async (c) => {
    const outcome = await handle(new URL(c.req.url));
    c.header("Cache-Control", "no-store");
    return c.html(callbackPage(outcome), outcome.ok ? 200 : 400);
  });
  app.notFound((c) => c.text("Not found", 404));
  return app;
}

/**
 * The page's one inline script: the address loses its query (the code, state and iss stay out
 * of the tab's address, history and a reload; the code is single-use but no less a secret).
 */
export const CLEAR_ADDRESS = 'history.replaceState(null, "", location.pathname);';

/** CSP source of {@link CLEAR_ADDRESS} (test/http/callback-page.test.ts recomputes it). */
export const CLEAR_ADDRESS_HASH = "sha256-ixzo+owSEfJWq9z0HJaxCJAlk3mRYZRq9JaxhZ3hBmA=";

/** mcp-oauth's icon (web/icon.svg), for the tab of the callback page. */
const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0969da"/><circle cx="11" cy="16" r="5" fill="none" stroke="#fff" stroke-width="3"/><path d="M16 16h11m-4 0v5m4-5v4" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>';

/**
 * The page a browser shows after the redirect. With `assets` (the dashboard: its CSP allows no
 * inline style or script) it links the dashboard's stylesheet, icon and script, which clears
 * the address; else (the CLI's one-shot listener, which serves no assets) it inlines a few
 * rules, the icon as a data: URI and the one script allowed by hash.
 */
export function callbackPage(
  outcome: CallbackOutcome,
  assets?: { stylesheet: string; script: string; icon: string },
) {
  const title = outcome.ok ? "Signed in" : "Sign-in failed";
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width">
        <title>mcp-oauth: ${title}</title>
        ${assets
          ? html`
            <link rel="icon" href="${assets.icon}">
            <link rel="stylesheet" href="${assets.stylesheet}">
            <script src="${assets.script}" defer></script>
          `
          : html`
            <link rel="icon" href="data:image/svg+xml,${encodeURIComponent(ICON_SVG)}">
            <style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}
                h1{font-size:1.4rem}.ok{color:#0a6b2f}.fail{color:#a4141b}
                @media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}.ok{color:#3fb950}.fail{color:#f85149}}</style>
            <script>${raw(CLEAR_ADDRESS)}</script>
          `}
      </head>
      <body>
        <main>
          <h1 class="${outcome.ok ? "ok" : "fail"}">${title}</h1>
          <p>${outcome.message}</p>
          <p>${outcome.ok
            ? "You can close this tab."
            : "You can close this tab and try again from mcp-oauth."}</p>
        </main>
      </body>
    </html>
  `;
}
