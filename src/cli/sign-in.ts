/**
 * The interactive sign-in shared by `authorize`, `tools`, `call` and every
 * authFetch that needs one: browser with a loopback callback (or a pasted
 * redirect), or the device grant; one at a time per server across processes.
 *
 * @module
 */
import type { Authorized } from "../core/engine.ts";
import { ErrorCode, McpOAuthError } from "../core/errors.ts";
import { canonicalResource, isLoopbackHost } from "../core/urls.ts";
import { callbackApp, type CallbackOutcome } from "../http/callback-app.ts";
import type { Listener } from "../runtime/runtime.ts";
import type { ServerDefinition } from "../store/server-registry.ts";
import { type Claim, type SignInInfo, SignInMarkers } from "../store/sign-in-marker.ts";
import type { CliContext } from "./context.ts";
import { type Forwarded, openForwarded } from "./open-forwarded.ts";
import type { SignInOptions } from "./sign-in-options.ts";

/**
 * Sign in to `server` and store the tokens. If another mcp-oauth process is
 * already signing in to it, wait for that sign-in instead of starting one.
 */
export async function signIn(
  ctx: CliContext,
  server: ServerDefinition,
  options: SignInOptions,
): Promise<Authorized> {
  const key = canonicalResource(server.url);
  const markers = new SignInMarkers(ctx.home);
  const claim = await markers.claim(key, Date.now() + options.timeoutS * 1000);
  if (!claim.claimed) {
    return await joinOther(ctx, server, markers, key, claim.holder, options.timeoutS);
  }
  try {
    for (let attempt = 1;; attempt++) {
      try {
        return options.device
          ? await deviceSignIn(ctx, server, options, claim)
          : await browserSignIn(ctx, server, options, claim);
      } catch (err) {
        // S11: a rejected registration was forgotten; register again, once.
        if (
          attempt === 1 && err instanceof McpOAuthError && err.code === ErrorCode.CLIENT_REJECTED
        ) {
          ctx.io.err(`${err.message} Signing in again…`);
          continue;
        }
        throw err;
      }
    }
  } finally {
    await claim.release();
  }
}

type Claimed = Extract<Claim, { claimed: true }>;

async function browserSignIn(
  ctx: CliContext,
  def: ServerDefinition,
  options: SignInOptions,
  claim: Claimed,
): Promise<Authorized> {
  const discovery = await ctx.engine.discover(def);
  const required = options.redirect?.port ?? options.port;
  const remembered = (await ctx.engine.rememberedRedirectUris(discovery)).map(portOf).filter((
    p,
  ): p is number => !!p);
  const preferred = required !== undefined ? [required] : remembered;
  const waiter = new Waiter();
  const complete = (url: URL): Promise<CallbackOutcome> =>
    ctx.engine.completeAuthorization(url).then(
      (done) => {
        waiter.resolve(done);
        return { ok: true, message: `mcp-oauth is now signed in to ${def.name}.` };
      },
      (err: unknown) => {
        // A stray request with an unknown state must not end the wait (S15).
        const stray = err instanceof McpOAuthError && err.code === ErrorCode.STATE_MISMATCH;
        if (!stray) waiter.reject(err);
        return { ok: false, message: err instanceof Error ? err.message : String(err) };
      },
    );
  // The Host names a browser may use for the listener, filled in once its port is known.
  const hosts: string[] = [];
  // A browser sent to http://localhost:PORT (a relay forwards there) tries [::1] first: if
  // mcp-oauth did not hold that address, any local program listening on it would get the code.
  const redirectHost = new URL(options.redirect?.uri ?? "http://127.0.0.1").hostname;
  const namesLocalhost = options.relayUri !== undefined ||
    ["localhost", "[::1]"].includes(redirectHost);
  // A redirect to another 127.x.y.z is listened on there: on 127.0.0.1 the browser would not
  // reach mcp-oauth, and any local program listening on that address would get the code.
  const address = /^127\.\d+\.\d+\.\d+$/.test(redirectHost) ? redirectHost : "127.0.0.1";
  const listener = await listen(
    ctx,
    callbackApp(complete, options.redirect?.path, hosts).fetch,
    preferred,
    required,
    { address, bothLoopbacks: namesLocalhost },
  );
  hosts.push(...listenerHosts(listener.port, options.redirect?.uri));
  const loopbackUri = options.redirect?.uri ?? `http://127.0.0.1:${listener.port}/callback`;
  // Through a relay the AS redirects to the relay, which forwards to http://localhost:PORT.
  const redirectUri = options.relayUri ?? loopbackUri;
  const pastePrefix = options.relayUri ? `http://localhost:${listener.port}/callback` : redirectUri;
  let countdown: ReturnType<typeof setInterval> | undefined;
  let forwarded: Forwarded | undefined;
  try {
    const { url } = await ctx.engine.beginAuthorization(def, discovery, {
      ...options,
      redirectUri,
      relayPort: options.relayUri ? listener.port : undefined,
    });
    await claim.update({ url: url.href });
    ctx.io.err(`Open this URL to sign in to ${def.name}:\n\n  ${url.href}\n`);
    // The browser's command line is readable by every local user while it runs: it gets a
    // one-time local link to the URL (state, PKCE challenge), which is printed above to copy.
    forwarded = await openForwarded(ctx, url.href, options.browser, options.timeoutS * 1000);
    if (options.browser === "none") {
      ctx.io.err(
        `After signing in, paste the address your browser was sent to (it starts with ${pastePrefix}):`,
      );
      void readPastedRedirect(ctx, pastePrefix, complete, waiter);
      // The person types here: a ticking line would overwrite what they paste.
      ctx.io.err(`Waiting up to ${clock(options.timeoutS * 1000)} (Ctrl-C to cancel).`);
    } else if (ctx.io.stderrIsTTY) {
      const deadline = Date.now() + options.timeoutS * 1000;
      const tick = () =>
        ctx.io.err(
          `\r\x1b[2KWaiting for the sign-in… ${
            clock(deadline - Date.now())
          } left (Ctrl-C to cancel)`,
        );
      tick();
      countdown = setInterval(tick, 1000);
    }
    return await waiter.wait(options.timeoutS * 1000);
  } finally {
    if (countdown) {
      clearInterval(countdown);
      ctx.io.err("\r\x1b[2K");
    }
    await forwarded?.close();
    await listener.close();
  }
}

async function deviceSignIn(
  ctx: CliContext,
  def: ServerDefinition,
  options: SignInOptions,
  claim: Claimed,
): Promise<Authorized> {
  const discovery = await ctx.engine.discover(def);
  const device = await ctx.engine.beginDeviceAuthorization(def, discovery, options);
  const url = device.verificationUriComplete ?? device.verificationUri;
  await claim.update({ url, userCode: device.userCode });
  ctx.io.err(
    `To sign in to ${def.name}, open ${device.verificationUri} on any device and enter the code ${device.userCode}` +
      (device.verificationUriComplete ? `\n(or open ${device.verificationUriComplete})` : "") +
      "\n",
  );
  // On a device sign-in the browser is opened only when one was named.
  const browser = options.browser ?? ctx.io.env.BROWSER;
  // Through a one-time local link, as for the browser sign-in: the URL carries the user code.
  const forwarded = browser && browser !== "none"
    ? await openForwarded(ctx, url, browser, options.timeoutS * 1000)
    : undefined;
  ctx.io.err(`Waiting for approval (the code expires in ${clock(device.expiresAt - Date.now())}).`);
  const timeout = AbortSignal.timeout(options.timeoutS * 1000);
  try {
    return await device.wait(timeout);
  } catch (err) {
    if (timeout.aborted) throw timedOut(options.timeoutS);
    throw err;
  } finally {
    await forwarded?.close();
  }
}

/** Another process is signing in to this server: wait for its tokens. */
async function joinOther(
  ctx: CliContext,
  server: ServerDefinition,
  markers: SignInMarkers,
  key: string,
  holder: SignInInfo,
  timeoutS: number,
): Promise<Authorized> {
  ctx.io.err(
    `Another mcp-oauth process (pid ${holder.pid}) is already signing in to ${server.name}; finish that sign-in` +
      (holder.url
        ? `${holder.userCode ? ` (code ${holder.userCode})` : ""}:\n\n  ${holder.url}\n`
        : ".") +
      "\nWaiting for it…",
  );
  const started = Date.now();
  const deadline = started + timeoutS * 1000;
  for (;;) {
    const def = await ctx.engine.resolve(server.name);
    const status = await ctx.engine.status(def);
    if (status.state === "authorized" && (status.obtainedAt ?? 0) >= started - 1000) {
      return {
        server: def.name,
        issuer: status.issuer ?? "",
        scope: status.scopes.join(" ") || undefined,
        expiresAt: status.expiresAt,
      };
    }
    if (!(await markers.read(key))) {
      // The other process finished; its tokens may have landed just now.
      const again = await ctx.engine.status(await ctx.engine.resolve(server.name));
      if (again.state === "authorized" && (again.obtainedAt ?? 0) >= started - 1000) continue;
      throw new McpOAuthError(
        ErrorCode.AUTHORIZATION_DENIED,
        `The other sign-in to ${server.name} ended without tokens; run the command again.`,
      );
    }
    if (Date.now() > deadline) throw timedOut(timeoutS);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Listen for the callback on `address` (127.0.0.1, or the redirect URI's own 127.x.y.z) at the
 * first free port of `ports` (else any free one), and with `bothLoopbacks` on [::1] at the same
 * port too: a browser resolves `localhost` to both and tries ::1 first.
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-8.3
 */
async function listen(
  ctx: CliContext,
  fetch: (req: Request) => Response | Promise<Response>,
  ports: number[],
  required: number | undefined,
  { address, bothLoopbacks }: { address: string; bothLoopbacks: boolean },
): Promise<Listener> {
  const at = async (port: number): Promise<Listener> => {
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
  };
  for (const port of ports) {
    try {
      return await at(port);
    } catch (err) {
      if (required !== undefined) {
        throw new McpOAuthError(
          ErrorCode.USAGE,
          `Cannot listen on ${address}:${required} (${
            (err as Error).message
          }); choose another --port.`,
        );
      }
      // That remembered port is taken (the dashboard, say): try the next one.
    }
  }
  // No remembered port is free: a free one means a new registration (S11). A free port on
  // 127.0.0.1 may be taken on [::1]: then another.
  for (let attempt = 1;; attempt++) {
    try {
      return await at(0);
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

async function readPastedRedirect(
  ctx: CliContext,
  redirectUri: string,
  complete: (url: URL) => Promise<CallbackOutcome>,
  waiter: Waiter,
) {
  if (!ctx.io.stdinLines) return;
  for await (const line of ctx.io.stdinLines()) {
    if (waiter.settled) return;
    const text = line.trim();
    if (!text) continue;
    if (!isRedirect(text, redirectUri)) {
      ctx.io.err(
        `That is not the redirect address (it must start with ${redirectUri}); paste it again.`,
      );
      continue;
    }
    const outcome = await complete(new URL(text));
    if (outcome.ok || waiter.settled) return;
    ctx.io.err(outcome.message);
  }
}

/**
 * Is `text` an address on the redirect URI: the same scheme, host, port and path (a path
 * that merely starts like it, such as /callback-x or /callback/x, is another address)?
 */
function isRedirect(text: string, redirectUri: string): boolean {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return false;
  }
  const r = new URL(redirectUri);
  return u.protocol === r.protocol && u.host === r.host && u.pathname === r.pathname &&
    !u.username && !u.password;
}

/** Resolves when the sign-in completes, rejects on failure or timeout. */
class Waiter {
  settled = false;
  #resolve!: (v: Authorized) => void;
  #reject!: (e: unknown) => void;
  readonly #promise = new Promise<Authorized>((res, rej) => {
    this.#resolve = res;
    this.#reject = rej;
  });
  resolve(v: Authorized) {
    this.settled = true;
    this.#resolve(v);
  }
  reject(e: unknown) {
    this.settled = true;
    this.#reject(e);
  }
  wait(ms: number): Promise<Authorized> {
    const timer = setTimeout(() => this.reject(timedOut(ms / 1000)), ms);
    return this.#promise.finally(() => clearTimeout(timer));
  }
}

function timedOut(seconds: number): McpOAuthError {
  return new McpOAuthError(
    ErrorCode.AUTHORIZATION_TIMEOUT,
    `No sign-in completed within ${seconds} s; run the command again (or raise --timeout).`,
  );
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
