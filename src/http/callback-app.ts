/**
 * The loopback callback route: receives the authorization response, hands it
 * to the engine, and shows the person a page saying whether it worked.
 *
 * @module
 */
import { Hono } from "hono";
import { html } from "hono/html";
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
    },
    referrerPolicy: "no-referrer",
  }));
  if (hosts) {
    const guard = hostGuard(hosts);
    app.use(async (c, next) => guard(c) ?? await next());
  }
  app.get(path, async (c) => {
    const outcome = await handle(new URL(c.req.url));
    c.header("Cache-Control", "no-store");
    return c.html(callbackPage(outcome), outcome.ok ? 200 : 400);
  });
  app.notFound((c) => c.text("Not found", 404));
  return app;
}

/**
 * The page a browser shows after the redirect. With `stylesheet` it links
 * that CSS (the dashboard's CSP allows no inline style); else it inlines a
 * few rules (the CLI's one-shot listener serves no assets).
 */
export function callbackPage(outcome: CallbackOutcome, stylesheet?: string) {
  const title = outcome.ok ? "Signed in" : "Sign-in failed";
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width">
        <title>mcp-oauth: ${title}</title>
        <link rel="icon" href="data:,">
        ${stylesheet
          ? html`<link rel="stylesheet" href="${stylesheet}">`
          : html`<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}
    h1{font-size:1.4rem}.ok{color:#0a6b2f}.fail{color:#a4141b}</style>`}
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
