/**
 * The redirect relay: a stateless service for providers that accept only a
 * pre-registered https redirect URI. The authorization server redirects to
 * the relay's /callback with `state` = `mcp-oauth:PORT:NONCE` (or Docker's
 * `mcp-gateway:PORT:UUID`); the relay answers 302 to
 * `http://localhost:PORT/callback` with the same OAuth parameters and the bare
 * nonce as state. It keeps nothing and logs nothing, and can only ever
 * redirect to a loopback callback.
 *
 * @module
 */
import { Hono } from "hono";
import { html } from "hono/html";
import { parseRelayState } from "../core/relay-state.ts";

/** The OAuth authorization response parameters the relay copies (RFC 6749 §4.1.2, RFC 9207). */
const KNOWN = ["code", "state", "iss", "error", "error_description", "error_uri"] as const;
/** RFC 6749 VSCHAR / NQSCHAR: printable ASCII only; anything else is refused. */
const PRINTABLE = /^[\x20-\x7e]*$/;
const MAX_VALUE = 2048;

/** Why a callback was refused (shown to the person, never echoing their input). */
export class RelayRefusal extends Error {}

/**
 * The loopback URL a relayed callback goes to, as a string (the hot path), or
 * a RelayRefusal saying why not.
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-7.3
 */
export function relayLocation(query: string): string {
  const found: Partial<Record<(typeof KNOWN)[number], string>> = {};
  // One pass over the parameters: known ones once each, the rest dropped.
  for (const [name, value] of new URLSearchParams(query)) {
    if (!(KNOWN as readonly string[]).includes(name)) continue;
    const key = name as (typeof KNOWN)[number];
    if (found[key] !== undefined) {
      throw new RelayRefusal(`the parameter "${name}" appears more than once`);
    }
    if (value.length > MAX_VALUE) throw new RelayRefusal(`the parameter "${name}" is too long`);
    if (value === "") throw new RelayRefusal(`the parameter "${name}" is empty`);
    if (!PRINTABLE.test(value)) {
      throw new RelayRefusal(`the parameter "${name}" has characters OAuth does not allow`);
    }
    found[key] = value;
  }
  const state = found.state;
  if (!state) throw new RelayRefusal('the "state" parameter is missing');
  // The format is built and parsed in one place (core/relay-state.ts), the sign-in's side too.
  const parsed = parseRelayState(state);
  if (!parsed) {
    throw new RelayRefusal('the "state" parameter is not of the form mcp-oauth:PORT:NONCE');
  }
  const port = parsed.port;
  if (port < 1024 || port > 65535) {
    throw new RelayRefusal("the port in the state is out of range (1024-65535)");
  }
  if ((found.code === undefined) === (found.error === undefined)) {
    throw new RelayRefusal('exactly one of "code" and "error" must be present');
  }
  found.state = parsed.nonce;
  let search = "";
  for (const name of KNOWN) {
    const value = found[name];
    if (value !== undefined) search += `${search ? "&" : "?"}${name}=${encodeURIComponent(value)}`;
  }
  return `http://localhost:${port}/callback${search}`;
}

/** {@link relayLocation} as a URL. */
export function relayTarget(query: string): URL {
  return new URL(relayLocation(query));
}

/**
 * Security headers of every page the relay renders, built once and set
 * directly rather than by middleware.
 */
const SECURITY: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "strict-transport-security": "max-age=31536000",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/**
 * Headers of the redirect, the hot path. A 302 without a body is never
 * rendered, so the document-only headers (CSP, frame, sniffing, COOP/CORP)
 * would be bytes on the wire for nothing; what matters is that it is never
 * cached, never sends the code on as a Referer, and stays on https.
 */
const REDIRECT: Record<string, string> = {
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000",
};

/** The relay app: `GET /callback`, and a short page at `/`. */
export function relayApp(): Hono {
  const app = new Hono();
  app.get("/callback", (c) => {
    const url = c.req.url;
    const q = url.indexOf("?");
    try {
      const location = relayLocation(q === -1 ? "" : url.slice(q));
      return new Response(null, { status: 302, headers: { ...REDIRECT, location } });
    } catch (err) {
      if (!(err instanceof RelayRefusal)) throw err;
      return c.html(refusalPage(err.message), 400, SECURITY);
    }
  });
  app.get(
    "/",
    (c) =>
      c.text(
        "mcp-oauth redirect relay: forwards OAuth callbacks to http://localhost:PORT/callback. Stateless; stores nothing.",
        200,
        SECURITY,
      ),
  );
  app.notFound((c) => c.text("Not found", 404, SECURITY));
  app.onError((_err, c) => c.text("The relay could not handle this request.", 500, SECURITY));
  return app;
}

function refusalPage(reason: string) {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <title>mcp-oauth relay: refused</title>
        <style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>
      </head>
      <body>
        <h1>This sign-in cannot be relayed</h1>
        <p>The authorization response is not one the mcp-oauth relay forwards: ${reason}.</p>
        <p>Start the sign-in again from mcp-oauth. If it keeps failing, the provider's redirect is not meant for this relay.</p>
      </body>
    </html>
  `;
}
