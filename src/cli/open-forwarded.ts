/**
 * Open a URL that holds secrets (the dashboard's key, an authorization request's state and
 * PKCE challenge) without putting it in the browser's command line: the browser gets a
 * one-time link to a listener on 127.0.0.1 that forwards it there (see http/forwarder.ts).
 *
 * @module
 */
import { forwarderApp } from "../http/forwarder.ts";
import { openableUrl, openBrowser } from "../runtime/open-browser.ts";
import type { CliContext } from "./context.ts";

/** The forwarding listener; close it once the flow it serves is over. */
export interface Forwarded {
  /** The one-time link the browser got; undefined when no browser was opened. */
  link?: string;
  close(): Promise<void>;
}

/**
 * Launch the browser (`command`, else $BROWSER, else the platform's opener; "none" opens
 * nothing) on a one-time local link to `url`. The link stops working once used and the
 * listener closes after `ttlMs` or on {@link Forwarded.close}, whichever is first.
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-8.1
 */
export async function openForwarded(
  ctx: CliContext,
  url: string,
  command: string | undefined,
  ttlMs: number,
): Promise<Forwarded> {
  const target = openableUrl(url).href;
  if (command === "none") return { close: () => Promise.resolve() };
  const hosts: string[] = [];
  const path = `/open/${randomToken()}`;
  const app = forwarderApp({
    target,
    path,
    hosts,
    onReplay: () =>
      ctx.io.err(
        "warning: the one-time link given to the browser was opened again; if your browser says it was already used, another program opened it first: cancel and start again.",
      ),
  });
  const listener = await ctx.runtime.serve(app.fetch, { hostname: "127.0.0.1", port: 0 });
  hosts.push(`127.0.0.1:${listener.port}`);
  let closed: Promise<void> | undefined;
  const close = () => closed ??= (clearTimeout(timer), listener.close());
  const timer = setTimeout(() => void close(), ttlMs);
  // The listener alone must not keep a finished command alive.
  (timer as { unref?: () => void }).unref?.();
  const link = `http://127.0.0.1:${listener.port}${path}`;
  await openBrowser(ctx.runtime, link, command, (m) => ctx.io.err(`warning: ${m}`), ctx.io.env);
  return { link, close };
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}
