/**
 * The CLI's side of the one sign-in (core/sign-in-service.ts): a loopback
 * listener serving the callback page, the browser behind a one-time local
 * link, the pasted redirect on stdin, and the lines on stderr. Used by
 * `authorize`, `tools`, `call` and the stdio bridge.
 *
 * @module
 */
import type { Authorized } from "../core/engine.ts";
import type { ServerDefinition } from "../core/ports.ts";
import {
  type SignInCapabilities,
  type SignInEvent,
  SignInService,
} from "../core/sign-in-service.ts";
import { callbackApp } from "../http/callback-app.ts";
import type { Listener } from "../runtime/runtime.ts";
import { SignInMarkers } from "../store/sign-in-marker.ts";
import type { CliContext } from "./context.ts";
import { openForwarded } from "./open-forwarded.ts";
import type { SignInOptions } from "./sign-in-options.ts";

const services = new WeakMap<CliContext, SignInService>();

/** The sign-in service of this CLI process (its markers live in the home). */
export function signInService(ctx: CliContext): SignInService {
  let service = services.get(ctx);
  if (!service) {
    service = new SignInService(ctx.engine, new SignInMarkers(ctx.home));
    services.set(ctx, service);
  }
  return service;
}

/**
 * Sign in to `server` and store the tokens. If another mcp-oauth process is
 * already signing in to it, wait for that sign-in instead of starting one.
 */
export function signIn(
  ctx: CliContext,
  server: ServerDefinition,
  options: SignInOptions,
): Promise<Authorized> {
  return signInService(ctx).signIn(
    server,
    { ...options, pasteOnly: options.browser === "none" },
    cliCapabilities(ctx, options),
  );
}

/** How a CLI sign-in reaches the person: also used by `idp sign-in`. */
export function cliCapabilities(
  ctx: CliContext,
  options: Pick<SignInOptions, "browser" | "timeoutS">,
): SignInCapabilities {
  const ttlMs = options.timeoutS * 1000;
  return {
    listen: async (request, onCallback) => {
      // The Host names a browser may use for the listener, filled in once its port is known.
      const hosts: string[] = [];
      const fetch = callbackApp(onCallback, request.path, hosts).fetch;
      const listener = await serveLoopback(ctx, fetch, request.address, request.port, {
        bothLoopbacks: request.bothLoopbacks,
      });
      hosts.push(...listenerHosts(listener.port, request.redirectUri));
      return listener;
    },
    openBrowser: async (url, flow) => {
      // On a device sign-in the browser is opened only when one was named.
      const browser = flow === "device" ? options.browser ?? ctx.io.env.BROWSER : options.browser;
      if (flow === "device" && (!browser || browser === "none")) {
        return { close: () => Promise.resolve() };
      }
      // The browser's command line is readable by every local user while it runs: it gets a
      // one-time local link to the URL (state, PKCE challenge, user code), printed to copy.
      return await openForwarded(ctx, url, browser, ttlMs);
    },
    pasted: ctx.io.stdinLines,
    notify: (event) => tell(ctx, event),
  };
}

/** Word an event for the terminal; a countdown returns the function that ends it. */
function tell(ctx: CliContext, event: SignInEvent): void | (() => void) {
  switch (event.type) {
    case "open":
      return ctx.io.err(`Open this URL to sign in to ${event.server}:\n\n  ${event.url}\n`);
    case "paste":
      ctx.io.err(
        `After signing in, paste the address your browser was sent to (it starts with ${event.prefix}):`,
      );
      // The person types here: a ticking line would overwrite what they paste.
      return ctx.io.err(`Waiting up to ${clock(event.timeoutMs)} (Ctrl-C to cancel).`);
    case "paste-rejected":
      return ctx.io.err(
        `That is not the redirect address (it must start with ${event.prefix}); paste it again.`,
      );
    case "paste-failed":
      return ctx.io.err(event.message);
    case "waiting": {
      if (!ctx.io.stderrIsTTY) return;
      const tick = () =>
        ctx.io.err(
          `\r\x1b[2KWaiting for the sign-in… ${
            clock(event.deadline - Date.now())
          } left (Ctrl-C to cancel)`,
        );
      tick();
      const countdown = setInterval(tick, 1000);
      return () => {
        clearInterval(countdown);
        ctx.io.err("\r\x1b[2K");
      };
    }
    case "device":
      ctx.io.err(
        `To sign in to ${event.server}, open ${event.verificationUri} on any device and enter the code ${event.userCode}` +
          (event.verificationUriComplete ? `\n(or open ${event.verificationUriComplete})` : "") +
          "\n",
      );
      return ctx.io.err(
        `Waiting for approval (the code expires in ${clock(event.expiresAt - Date.now())}).`,
      );
    case "joining": {
      const { holder } = event;
      return ctx.io.err(
        `Another mcp-oauth process (pid ${holder.pid}) is already signing in to ${event.server}; finish that sign-in` +
          (holder.url
            ? `${holder.userCode ? ` (code ${holder.userCode})` : ""}:\n\n  ${holder.url}\n`
            : ".") +
          "\nWaiting for it…",
      );
    }
    case "retrying":
      return ctx.io.err(`${event.message} Signing in again…`);
  }
}

/**
 * Serve `fetch` on `address`:`port`, and with `bothLoopbacks` on [::1] at the same port too:
 * a browser resolves `localhost` to both and tries ::1 first.
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-8.3
 */
async function serveLoopback(
  ctx: CliContext,
  fetch: (req: Request) => Response | Promise<Response>,
  address: string,
  port: number,
  { bothLoopbacks }: { bothLoopbacks: boolean },
): Promise<Listener> {
  const v4 = await ctx.runtime.serve(fetch, { hostname: address, port });
  if (!bothLoopbacks) return v4;
  let v6: Listener;
  try {
    v6 = await ctx.runtime.serve(fetch, { hostname: "::1", port: v4.port });
  } catch (err) {
    // No IPv6 loopback on this machine: no browser (and no other program) can use it either.
    if ((err as { code?: string }).code !== "EADDRINUSE") return v4;
    await v4.close();
    throw new Error(
      `[::1]:${v4.port}, the address a browser tries first for localhost, is held by another program`,
    );
  }
  return {
    hostname: v4.hostname,
    port: v4.port,
    close: async () => void await Promise.all([v4.close(), v6.close()]),
  };
}

/**
 * Host header values that reach the callback listener on 127.0.0.1:`port`: its address,
 * localhost (a relay forwards there), and the host of a loopback --redirect-uri such as
 * `127.0.0.2`. Anything else is a DNS-rebinding page.
 */
function listenerHosts(port: number, redirectUri: string | undefined): string[] {
  const names = ["127.0.0.1", "localhost"];
  if (redirectUri) names.push(new URL(redirectUri).hostname);
  // A browser leaves out the default port.
  return names.flatMap((n) => port === 80 ? [`${n}:80`, n] : [`${n}:${port}`]);
}

function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
