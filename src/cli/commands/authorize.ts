/** `mcp-oauth authorize`: sign in through the browser. @module */
import { ErrorCode, McpOAuthError } from "../../core/errors.ts";
import { splitScopes } from "../../core/scopes.ts";
import { isLoopbackHost, parseUrl } from "../../core/urls.ts";
import { callbackApp, type CallbackOutcome } from "../../http/callback-app.ts";
import { openBrowser } from "../../runtime/open-browser.ts";
import type { Listener } from "../../runtime/runtime.ts";
import { clientMetadataUrlArg, int, str, usageError } from "../args.ts";
import type { Command } from "../command.ts";
import type { CliContext } from "../context.ts";
import { relativeTime } from "../format.ts";

export const authorize: Command = {
  name: "authorize",
  summary: "sign in through the browser and store the tokens",
  usage:
    'authorize <name|url> [--scopes "a b"] [--browser CMD|none] [--port N] [--redirect-uri URI] [--client-id ID] [--client-secret S] [--client-metadata-url URL] [--timeout SECONDS]',
  details: `Discovers the server's authorization server, registers a client if needed, starts a
callback listener on 127.0.0.1, opens the authorization URL in a browser and waits
for the sign-in. The URL is always printed too.

Options:
  --scopes "a b"      request these scopes (overrides the server's choice)
  --browser CMD|none  the browser command (URL appended, or put %s where it goes);
                      "none" opens nothing: open the URL anywhere, then paste the
                      address you were redirected to here
  --port N            listen for the callback on this port (default: the port of the
                      last registration, else a free one)
  --redirect-uri URI  a loopback redirect URI to register and listen on
  --client-id ID, --client-secret S   a pre-registered client for this sign-in
  --timeout SECONDS   give up after this long (default 300)

Examples:
  mcp-oauth authorize notion
  mcp-oauth authorize https://mcp.linear.app/mcp --browser firefox
  ssh box mcp-oauth authorize sentry --browser none`,
  options: {
    scopes: { type: "string" },
    browser: { type: "string" },
    port: { type: "string" },
    "redirect-uri": { type: "string" },
    "client-id": { type: "string" },
    "client-secret": { type: "string" },
    "client-metadata-url": { type: "string" },
    timeout: { type: "string" },
  },
  positionals: { min: 1, max: 1, names: "a server name or URL" },
  async run(ctx, args) {
    const timeoutS = int("authorize", args, "timeout", 1, 86_400) ?? 300;
    const fixedPort = int("authorize", args, "port", 1, 65_535);
    const redirect = redirectOption(str(args, "redirect-uri"));
    if (redirect && fixedPort !== undefined && redirect.port !== fixedPort) {
      throw usageError("authorize", "--port and --redirect-uri name different ports");
    }
    const def = await ctx.engine.resolve(args.positionals[0]!);
    const discovery = await ctx.engine.discover(def);
    const remembered = await ctx.engine.rememberedRedirectUri(discovery);
    const preferred = redirect?.port ?? fixedPort ?? portOf(remembered);

    const waiter = new Waiter();
    const listener = await listen(preferred, redirect?.port ?? fixedPort, redirect?.path);
    const redirectUri = redirect?.uri ?? `http://127.0.0.1:${listener.port}/callback`;
    let countdown: ReturnType<typeof setInterval> | undefined;
    try {
      const { url } = await ctx.engine.beginAuthorization(def, discovery, {
        redirectUri,
        scopes: str(args, "scopes") !== undefined ? splitScopes(str(args, "scopes")) : undefined,
        clientId: str(args, "client-id"),
        clientSecret: str(args, "client-secret"),
        clientMetadataUrl: clientMetadataUrlArg("authorize", str(args, "client-metadata-url")),
      });
      const browser = str(args, "browser");
      ctx.io.err(`Open this URL to sign in to ${def.name}:\n\n  ${url.href}\n`);
      await openBrowser(
        ctx.runtime,
        url.href,
        browser,
        (m) => ctx.io.err(`warning: ${m}`),
        ctx.io.env,
      );
      if (browser === "none") {
        ctx.io.err(
          "After signing in, paste the address your browser was sent to (it starts with " +
            redirectUri + "):",
        );
        void readPastedRedirect(ctx, redirectUri, waiter);
      }
      const deadline = Date.now() + timeoutS * 1000;
      if (browser === "none") {
        // The person types here: a ticking line would overwrite what they paste.
        ctx.io.err(`Waiting up to ${clock(timeoutS * 1000)} (Ctrl-C to cancel).`);
      } else if (ctx.io.stderrIsTTY) {
        const tick = () =>
          ctx.io.err(
            `\r\x1b[2KWaiting for the sign-in… ${
              clock(deadline - Date.now())
            } left (Ctrl-C to cancel)`,
          );
        tick();
        countdown = setInterval(tick, 1000);
      }
      const done = await waiter.wait(timeoutS * 1000);
      ctx.io.out(
        `Authorized ${def.name} at ${done.issuer}` +
          (done.scope ? ` with scopes "${done.scope}"` : "") +
          (done.expiresAt ? `; the token expires ${relativeTime(done.expiresAt)}.` : "."),
      );
      return 0;
    } finally {
      if (countdown) {
        clearInterval(countdown);
        ctx.io.err("\r\x1b[2K");
      }
      await listener.close();
    }

    /** One callback (or pasted URL) through the engine. Unknown states leave the wait running. */
    function complete(url: URL): Promise<CallbackOutcome> {
      return ctx.engine.completeAuthorization(url).then(
        (done) => {
          waiter.resolve(done);
          return { ok: true, message: `mcp-oauth is now signed in to ${def.name}.` };
        },
        (err: unknown) => {
          const stray = err instanceof McpOAuthError && err.code === ErrorCode.STATE_MISMATCH;
          if (!stray) waiter.reject(err);
          return { ok: false, message: err instanceof Error ? err.message : String(err) };
        },
      );
    }

    async function listen(
      port: number | undefined,
      required: number | undefined,
      path?: string,
    ): Promise<Listener> {
      const app = callbackApp(complete, path);
      try {
        return await ctx.runtime.serve(app.fetch, { hostname: "127.0.0.1", port: port ?? 0 });
      } catch (err) {
        if (required !== undefined) {
          throw new McpOAuthError(
            ErrorCode.USAGE,
            `Cannot listen on 127.0.0.1:${required} (${
              (err as Error).message
            }); choose another --port.`,
          );
        }
        // The remembered port is taken: a free one means a new registration (S11).
        return await ctx.runtime.serve(app.fetch, { hostname: "127.0.0.1", port: 0 });
      }
    }

    async function readPastedRedirect(ctx: CliContext, redirectUri: string, w: Waiter) {
      if (!ctx.io.stdinLines) return;
      for await (const line of ctx.io.stdinLines()) {
        const text = line.trim();
        if (!text) continue;
        if (!text.startsWith(redirectUri)) {
          ctx.io.err(
            `That is not the redirect address (it must start with ${redirectUri}); paste it again.`,
          );
          continue;
        }
        const outcome = await complete(new URL(text));
        if (outcome.ok || w.settled) return;
        ctx.io.err(outcome.message);
      }
    }
  },
};

/** Resolves when the sign-in completes, rejects on failure or timeout. */
class Waiter {
  settled = false;
  #resolve!: (v: { issuer: string; scope?: string; expiresAt?: number }) => void;
  #reject!: (e: unknown) => void;
  readonly #promise = new Promise<{ issuer: string; scope?: string; expiresAt?: number }>(
    (res, rej) => {
      this.#resolve = res;
      this.#reject = rej;
    },
  );
  resolve(v: { issuer: string; scope?: string; expiresAt?: number }) {
    this.settled = true;
    this.#resolve(v);
  }
  reject(e: unknown) {
    this.settled = true;
    this.#reject(e);
  }
  wait(ms: number) {
    const timer = setTimeout(() => {
      this.reject(
        new McpOAuthError(
          ErrorCode.AUTHORIZATION_TIMEOUT,
          `No sign-in completed within ${ms / 1000} s; run the command again (or raise --timeout).`,
        ),
      );
    }, ms);
    return this.#promise.finally(() => clearTimeout(timer));
  }
}

function redirectOption(
  value: string | undefined,
): { uri: string; port: number; path: string } | undefined {
  if (value === undefined) return undefined;
  const u = parseUrl(value, "--redirect-uri");
  if (u.protocol !== "http:" || !isLoopbackHost(u.hostname) || !u.port) {
    throw usageError(
      "authorize",
      `--redirect-uri must be a loopback URL with a port such as http://127.0.0.1:8765/callback, not "${value}"`,
    );
  }
  return { uri: u.href, port: Number(u.port), path: u.pathname };
}

function portOf(uri: string | undefined): number | undefined {
  if (!uri) return undefined;
  try {
    const u = new URL(uri);
    return u.protocol === "http:" && isLoopbackHost(u.hostname) && u.port
      ? Number(u.port)
      : undefined;
  } catch {
    return undefined;
  }
}

function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
