/**
 * The one sign-in of mcp-oauth, for every caller: the CLI (`authorize`,
 * `tools`, `call`), the stdio bridge and the dashboard. It owns what must not
 * differ between them: one sign-in per server across processes (markers),
 * the redirect port of the last registration, a new registration when the AS
 * rejects the stored client, step-up scopes, and the relay's state format.
 * How the person is reached (a terminal, a browser, a web page) comes from the
 * caller as {@link SignInCapabilities}.
 *
 * Over 400 lines on purpose: the browser, device, joining and dashboard paths share the
 * markers and the waiting, and reading them in one file is how one sign-in stays one.
 * @module
 */
import type { Authorized, Engine } from "./engine.ts";
import { ErrorCode, McpOAuthError } from "./errors.ts";
import type { Claim, ServerDefinition, SignInInfo, SignInMarkerPort } from "./ports.ts";
import type {
  CallbackOutcome,
  ListenRequest,
  SignInCapabilities,
  SignInRequest,
} from "./sign-in-capabilities.ts";
import { canonicalResource, isLoopbackHost } from "./urls.ts";

export type {
  CallbackOutcome,
  ListenRequest,
  SignInCapabilities,
  SignInEvent,
  SignInRequest,
} from "./sign-in-capabilities.ts";
export { ProcessSignInMarkers } from "./process-sign-in-markers.ts";
export { parseRelayState, relayState } from "./relay-state.ts";

/** The sign-ins of one process. */
export class SignInService {
  readonly #engine: Engine;
  readonly #markers: SignInMarkerPort;
  readonly #now: () => number;
  /** Markers held by sign-ins whose callback another server receives (the dashboard's). */
  readonly #held = new Map<
    string,
    { claim: Extract<Claim, { claimed: true }>; until: number; key: string }
  >();

  constructor(engine: Engine, markers: SignInMarkerPort, now: () => number = Date.now) {
    this.#engine = engine;
    this.#markers = markers;
    this.#now = now;
  }

  /**
   * Sign in to `server` and store the tokens, waiting for the callback (or
   * the device approval). If another process is already signing in to it,
   * wait for that sign-in instead of starting a second one.
   * @see https://datatracker.ietf.org/doc/html/rfc8252
   */
  async signIn(
    server: ServerDefinition,
    request: SignInRequest,
    caps: SignInCapabilities,
  ): Promise<Authorized> {
    // A machine grant signs in with no person: one token request, never a browser.
    const grant = (await this.#engine.servers.get(server.name))?.grant ?? server.grant;
    if (grant) return await this.#engine.obtainGrant(server, request.scopes);
    const key = canonicalResource(server.url);
    const claim = await this.#markers.claim(key, this.#now() + request.timeoutS * 1000);
    if (!claim.claimed) return await this.#join(server, key, claim.holder, request, caps);
    try {
      for (let attempt = 1;; attempt++) {
        try {
          return request.device
            ? await this.#device(server, request, caps, claim)
            : await this.#browser(server, request, caps, claim);
        } catch (err) {
          // RFC 7591 §3: the AS forgot the registration; it was dropped, so register again, once.
          if (attempt === 1 && isCode(err, ErrorCode.CLIENT_REJECTED)) {
            caps.notify({ type: "retrying", message: (err as Error).message });
            continue;
          }
          throw err;
        }
      }
    } finally {
      await claim.release();
    }
  }

  /**
   * Start a sign-in whose callback the caller receives itself (the
   * dashboard): the marker is held until {@link complete} or the request
   * expires, so a CLI sign-in to the same server waits for this one, and this
   * one is refused while another process signs in.
   */
  async start(server: ServerDefinition, redirectUri: string): Promise<{ url: URL; state: string }> {
    this.#sweep();
    const key = canonicalResource(server.url);
    const until = this.#now() + 10 * 60_000;
    // Pressed again (a closed tab, a second tab): the new sign-in replaces this process's
    // earlier one, whose state stops working, so there is still one sign-in per server.
    const earlier = [...this.#held].find(([, held]) => held.key === key);
    let claim: Extract<Claim, { claimed: true }>;
    if (earlier) {
      this.#held.delete(earlier[0]);
      this.#engine.flows.take(earlier[0], this.#now());
      claim = earlier[1].claim;
    } else {
      const claimed = await this.#markers.claim(key, until);
      if (!claimed.claimed) {
        throw new McpOAuthError(
          ErrorCode.SIGN_IN_IN_PROGRESS,
          `Another mcp-oauth process (pid ${claimed.holder.pid}) is already signing in to ${server.name}${
            claimed.holder.url ? `; finish it at ${claimed.holder.url}` : ""
          }.`,
        );
      }
      claim = claimed;
    }
    try {
      const discovery = await this.#engine.discover(server);
      const begun = await this.#engine.beginAuthorization(server, discovery, { redirectUri });
      await claim.update({ url: begun.url.href, expiresAt: until });
      this.#held.set(begun.state, { claim, until, key });
      return begun;
    } catch (err) {
      await claim.release();
      throw err;
    }
  }

  /** Complete a sign-in from its callback URL; the server's marker is released either way. */
  async complete(callback: URL): Promise<Authorized> {
    const state = callback.searchParams.get("state") ?? "";
    const held = this.#held.get(state);
    try {
      return await this.#engine.completeAuthorization(callback);
    } finally {
      if (held) {
        this.#held.delete(state);
        await held.claim.release();
      }
    }
  }

  /** Release the markers of started sign-ins whose requests have expired. */
  #sweep(): void {
    for (const [state, held] of this.#held) {
      if (held.until <= this.#now()) {
        this.#held.delete(state);
        void held.claim.release();
      }
    }
  }

  async #browser(
    def: ServerDefinition,
    request: SignInRequest,
    caps: SignInCapabilities,
    claim: Extract<Claim, { claimed: true }>,
  ): Promise<Authorized> {
    const discovery = await this.#engine.discover(def);
    const required = request.redirect?.port ?? request.port;
    // RFC 7591 §2: the registration names its redirect URIs; listening on one of their ports
    // spares a new registration.
    const remembered = (await this.#engine.rememberedRedirectUris(discovery)).map(portOf)
      .filter((p): p is number => !!p);
    const waiter = new Waiter();
    const complete = (url: URL): Promise<CallbackOutcome> =>
      this.#engine.completeAuthorization(url).then(
        (done) => {
          waiter.resolve(done);
          return { ok: true, message: `mcp-oauth is now signed in to ${def.name}.` };
        },
        (err: unknown) => {
          // A stray request with an unknown state must not end the wait (RFC 6749 §10.12).
          if (!isCode(err, ErrorCode.STATE_MISMATCH)) waiter.reject(err);
          return { ok: false, message: err instanceof Error ? err.message : String(err) };
        },
      );
    // A browser sent to http://localhost:PORT (a relay forwards there) tries [::1] first: if
    // mcp-oauth did not hold that address, any local program listening on it would get the code.
    const redirectHost = new URL(request.redirect?.uri ?? "http://127.0.0.1").hostname;
    const listener = await this.#listen(
      caps,
      complete,
      {
        // A redirect to another 127.x.y.z is listened on there, not on 127.0.0.1.
        address: /^127\.\d+\.\d+\.\d+$/.test(redirectHost) ? redirectHost : "127.0.0.1",
        bothLoopbacks: request.relayUri !== undefined ||
          ["localhost", "[::1]"].includes(redirectHost),
        path: request.redirect?.path,
        redirectUri: request.redirect?.uri,
      },
      required !== undefined ? [required] : remembered,
      required,
    );
    const loopbackUri = request.redirect?.uri ?? `http://127.0.0.1:${listener.port}/callback`;
    // Through a relay the AS redirects to the relay, which forwards to http://localhost:PORT.
    const redirectUri = request.relayUri ?? loopbackUri;
    const pastePrefix = request.relayUri
      ? `http://localhost:${listener.port}/callback`
      : redirectUri;
    let opened: { close(): Promise<void> } | undefined;
    let stopWaiting: void | (() => void) = undefined;
    try {
      const { url } = await this.#engine.beginAuthorization(def, discovery, {
        ...request,
        redirectUri,
        relayPort: request.relayUri ? listener.port : undefined,
      });
      await claim.update({ url: url.href });
      caps.notify({ type: "open", server: def.name, url: url.href });
      opened = await caps.openBrowser(url.href, "browser");
      const timeoutMs = request.timeoutS * 1000;
      if (request.pasteOnly) {
        caps.notify({ type: "paste", prefix: pastePrefix, timeoutMs });
        void this.#readPasted(caps, pastePrefix, complete, waiter);
      } else {
        stopWaiting = caps.notify({ type: "waiting", deadline: this.#now() + timeoutMs });
      }
      return await waiter.wait(timeoutMs);
    } finally {
      stopWaiting?.();
      await opened?.close();
      await listener.close();
    }
  }

  async #device(
    def: ServerDefinition,
    request: SignInRequest,
    caps: SignInCapabilities,
    claim: Extract<Claim, { claimed: true }>,
  ): Promise<Authorized> {
    const discovery = await this.#engine.discover(def);
    const device = await this.#engine.beginDeviceAuthorization(def, discovery, request);
    const url = device.verificationUriComplete ?? device.verificationUri;
    await claim.update({ url, userCode: device.userCode });
    caps.notify({
      type: "device",
      server: def.name,
      verificationUri: device.verificationUri,
      verificationUriComplete: device.verificationUriComplete,
      userCode: device.userCode,
      expiresAt: device.expiresAt,
    });
    const opened = await caps.openBrowser(url, "device");
    const timeout = AbortSignal.timeout(request.timeoutS * 1000);
    try {
      return await device.wait(timeout);
    } catch (err) {
      if (timeout.aborted) throw timedOut(request.timeoutS);
      throw err;
    } finally {
      await opened.close();
    }
  }

  /** Another process is signing in to this server: wait for its tokens. */
  async #join(
    server: ServerDefinition,
    key: string,
    holder: SignInInfo,
    request: SignInRequest,
    caps: SignInCapabilities,
  ): Promise<Authorized> {
    caps.notify({ type: "joining", server: server.name, holder });
    const started = this.#now();
    const deadline = started + request.timeoutS * 1000;
    const fresh = async () => {
      const def = await this.#engine.resolve(server.name);
      const status = await this.#engine.status(def);
      return status.state === "authorized" && (status.obtainedAt ?? 0) >= started - 1000
        ? {
          server: def.name,
          issuer: status.issuer ?? "",
          scope: status.scopes.join(" ") || undefined,
          expiresAt: status.expiresAt,
        }
        : undefined;
    };
    for (;;) {
      const done = await fresh();
      if (done) return done;
      if (!(await this.#markers.read(key))) {
        // The other process finished; its tokens may have landed just now.
        const late = await fresh();
        if (late) return late;
        throw new McpOAuthError(
          ErrorCode.AUTHORIZATION_DENIED,
          `The other sign-in to ${server.name} ended without tokens; run the command again.`,
        );
      }
      if (this.#now() > deadline) throw timedOut(request.timeoutS);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /**
   * The callback listener at the first free port of `ports` (else any free
   * one: a new port means a new registration).
   * @see https://datatracker.ietf.org/doc/html/rfc8252#section-7.3
   */
  async #listen(
    caps: SignInCapabilities,
    onCallback: (url: URL) => Promise<CallbackOutcome>,
    request: Omit<ListenRequest, "port">,
    ports: number[],
    required: number | undefined,
  ): Promise<{ port: number; close(): Promise<void> }> {
    for (const port of ports) {
      try {
        return await caps.listen({ ...request, port }, onCallback);
      } catch (err) {
        if (required !== undefined) {
          throw new McpOAuthError(ErrorCode.USAGE, "", {
            fact: `Cannot listen on ${request.address}:${required} (${(err as Error).message})`,
            advice: "choose another port",
            remedy: { do: "other-port" },
          });
        }
        // That remembered port is taken (the dashboard, say): try the next one.
      }
    }
    // A free port on 127.0.0.1 may be taken on [::1]: then another.
    for (let attempt = 1;; attempt++) {
      try {
        return await caps.listen({ ...request, port: 0 }, onCallback);
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  }

  async #readPasted(
    caps: SignInCapabilities,
    prefix: string,
    complete: (url: URL) => Promise<CallbackOutcome>,
    waiter: Waiter,
  ): Promise<void> {
    if (!caps.pasted) return;
    for await (const line of caps.pasted()) {
      if (waiter.settled) return;
      const text = line.trim();
      if (!text) continue;
      if (!isRedirect(text, prefix)) {
        caps.notify({ type: "paste-rejected", prefix });
        continue;
      }
      const outcome = await complete(new URL(text));
      if (outcome.ok || waiter.settled) return;
      caps.notify({ type: "paste-failed", message: outcome.message });
    }
  }
}

function isCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof McpOAuthError && err.code === code;
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
  return new McpOAuthError(ErrorCode.AUTHORIZATION_TIMEOUT, "", {
    fact: `No sign-in completed within ${seconds} s`,
    advice: "start the sign-in again (or allow it more time)",
    remedy: { do: "more-time" },
  });
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
