/**
 * Signing the person in to the enterprise IdP in the browser: OpenID Connect's authorization
 * code flow with PKCE and a nonce, through the same capabilities as a sign-in to an MCP server
 * (the loopback listener and its callback page, the browser behind a one-time local link, the
 * pasted redirect), scope `openid` plus `offline_access` when the IdP offers it, so that the
 * session outlives the id_token. The id_token and refresh token go to the IdP's record only.
 *
 * Not the sign-in service (sign-in-service.ts): that one is bound to an MCP server (discovery,
 * registration, markers per server); an IdP has a fixed client and no resource.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @see https://datatracker.ietf.org/doc/html/rfc8252
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError, oneLine } from "../errors.ts";
import type { HttpContext } from "../http-context.ts";
import { wrapOAuthError } from "../oauth-errors.ts";
import type { CredentialStore } from "../ports.ts";
import { clientAuth } from "../registration.ts";
import type { CallbackOutcome, SignInCapabilities } from "../sign-in-capabilities.ts";
import { idpPolicy } from "./idp-discovery.ts";
import { type IdpRecord, writeIdp } from "./idp-record.ts";
import { idpMetadata, withSession } from "./idp-session.ts";

/** What the caller asks for. */
export interface IdpSignInRequest {
  /** Seconds to wait for the person. */
  timeoutS: number;
  /** Listen on this loopback port (an IdP client registered with a fixed redirect URI). */
  port?: number;
  /** No browser: the person opens the URL elsewhere and pastes the redirect address back. */
  pasteOnly?: boolean;
}

/**
 * Sign in to the IdP and store the new session in its record (the old one is replaced only
 * once the new id_token is in hand). Resolves to the stored record.
 */
export async function signInToIdp(
  http: HttpContext,
  store: CredentialStore,
  record: IdpRecord,
  request: IdpSignInRequest,
  caps: SignInCapabilities,
  now: () => number,
): Promise<IdpRecord> {
  if (!record.authorization_endpoint) {
    throw new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      `The identity provider ${record.name} names no authorization_endpoint, so no browser sign-in is possible; import the id_token the platform gives instead.`,
    );
  }
  // PKCE is always sent (OAuth 2.1); an IdP that lists its methods without S256 is refused. One
  // that lists none (common among OpenID providers) still gets it, and the nonce binds the code.
  const methods = record.code_challenge_methods_supported;
  if (methods && !methods.includes("S256")) {
    throw new McpOAuthError(
      ErrorCode.PKCE_UNSUPPORTED,
      `The identity provider ${record.issuer} does not offer PKCE with S256 (it lists ${
        oneLine(methods.join(", "), 80) || "nothing"
      }); mcp-oauth refuses to sign in without it. Ask the IdP's administrators to enable it.`,
    );
  }
  const policy = idpPolicy(http, record.issuer);
  policy.allow(record.authorization_endpoint, "The identity provider's authorization_endpoint");
  const as = idpMetadata(record);
  const { client, auth } = clientAuth({
    client_id: record.client_id,
    token_endpoint_auth_method: record.auth_method,
    client_secret: record.client_secret,
  });
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const verifier = oauth.generateRandomCodeVerifier();
  let redirectUri = "";
  const done = deferred<IdpRecord>();

  const complete = async (url: URL): Promise<CallbackOutcome> => {
    const params = url.searchParams;
    // A stray request (a favicon, an old tab) does not end the wait (RFC 6749 §10.12).
    if (params.getAll("state").length !== 1 || params.get("state") !== state) {
      return { ok: false, message: "This is not the sign-in mcp-oauth is waiting for." };
    }
    try {
      const checked = validate(as, client, params, state, record);
      const res = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        auth,
        checked,
        redirectUri,
        verifier,
        policy.oauth(record.token_endpoint, "The identity provider's token_endpoint"),
      );
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, res, {
        expectedNonce: nonce,
        requireIdToken: true,
      });
      const next = withSession(record, {
        idToken: tokens.id_token!,
        refreshToken: tokens.refresh_token,
      }, now());
      await writeIdp(store, next);
      done.resolve(next);
      return { ok: true, message: `mcp-oauth is now signed in to ${record.name}.` };
    } catch (err) {
      const failure = err instanceof McpOAuthError ? err : wrapOAuthError(
        err,
        ErrorCode.TOKEN_REQUEST_FAILED,
        `The sign-in to the identity provider ${record.name}`,
        record.token_endpoint,
        "start the sign-in again; if it fails again, check the client id and secret",
      );
      done.reject(failure);
      return { ok: false, message: failure.message };
    }
  };

  let listener: { port: number; close(): Promise<void> };
  try {
    listener = await caps.listen(
      { address: "127.0.0.1", port: request.port ?? 0, bothLoopbacks: false },
      complete,
    );
  } catch (err) {
    throw new McpOAuthError(ErrorCode.USAGE, "", {
      cause: err,
      fact: `Cannot listen on 127.0.0.1:${
        request.port ?? 0
      } for the identity provider's redirect (${
        oneLine(err instanceof Error ? err.message : String(err), 120)
      })`,
      advice: "choose another port",
      remedy: { do: "other-port" },
    });
  }
  redirectUri = `http://127.0.0.1:${listener.port}/callback`;
  let opened: { close(): Promise<void> } | undefined;
  let stopWaiting: void | (() => void) = undefined;
  const timer = setTimeout(() => done.reject(timedOut(request.timeoutS)), request.timeoutS * 1000);
  try {
    const url = new URL(record.authorization_endpoint);
    const q = url.searchParams;
    q.set("response_type", "code");
    q.set("client_id", record.client_id);
    q.set("redirect_uri", redirectUri);
    q.set(
      "scope",
      record.scopes_supported?.includes("offline_access") ? "openid offline_access" : "openid",
    );
    q.set("state", state);
    q.set("nonce", nonce);
    q.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    q.set("code_challenge_method", "S256");
    const shown = `the identity provider ${record.name}`;
    caps.notify({ type: "open", server: shown, url: url.href });
    opened = await caps.openBrowser(url.href, "browser");
    if (request.pasteOnly && caps.pasted) {
      caps.notify({ type: "paste", prefix: redirectUri, timeoutMs: request.timeoutS * 1000 });
      void readPasted(caps, redirectUri, complete, done);
    } else {
      stopWaiting = caps.notify({ type: "waiting", deadline: now() + request.timeoutS * 1000 });
    }
    return await done.promise;
  } finally {
    clearTimeout(timer);
    stopWaiting?.();
    await opened?.close();
    await listener.close();
  }
}

/**
 * The authorization response checked by oauth4webapi: state, `iss` (RFC 9207) when the IdP
 * advertises it, and an error response worded as one line.
 */
function validate(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  params: URLSearchParams,
  state: string,
  record: IdpRecord,
): URLSearchParams {
  try {
    return oauth.validateAuthResponse(as, client, params, state);
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) {
      throw new McpOAuthError(
        ErrorCode.AUTHORIZATION_DENIED,
        `The identity provider ${record.name} refused the sign-in: ${oneLine(err.error, 60)}${
          err.error_description ? ` (${oneLine(err.error_description, 160)})` : ""
        }; try again, or check the client id with the IdP's administrators.`,
      );
    }
    throw new McpOAuthError(
      ErrorCode.AUTHORIZATION_DENIED,
      `The callback from the identity provider ${record.name} is not a valid authorization response (${
        oneLine(err instanceof Error ? err.message : String(err), 120)
      }); start the sign-in again.`,
    );
  }
}

async function readPasted(
  caps: SignInCapabilities,
  prefix: string,
  complete: (url: URL) => Promise<CallbackOutcome>,
  done: Deferred<IdpRecord>,
): Promise<void> {
  for await (const line of caps.pasted!()) {
    if (done.settled) return;
    const text = line.trim();
    if (!text) continue;
    if (!text.startsWith(`${prefix}?`)) {
      caps.notify({ type: "paste-rejected", prefix });
      continue;
    }
    const outcome = await complete(new URL(text));
    if (outcome.ok || done.settled) return;
    caps.notify({ type: "paste-failed", message: outcome.message });
  }
}

function timedOut(seconds: number): McpOAuthError {
  return new McpOAuthError(ErrorCode.AUTHORIZATION_TIMEOUT, "", {
    fact: `No sign-in to the identity provider completed within ${seconds} s`,
    advice: "start the sign-in again (or allow it more time)",
    remedy: { do: "more-time" },
  });
}

interface Deferred<T> {
  promise: Promise<T>;
  settled: boolean;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const d: Deferred<T> = {
    promise,
    settled: false,
    resolve: (v) => {
      if (d.settled) return;
      d.settled = true;
      resolve(v);
    },
    reject: (e) => {
      if (d.settled) return;
      d.settled = true;
      reject(e);
    },
  };
  return d;
}
