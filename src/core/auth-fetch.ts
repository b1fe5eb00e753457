/**
 * authFetch: the fetch every MCP consumer uses. It adds the bearer token
 * (RFC 6750 §2.1), or a DPoP-bound token with a fresh proof (RFC 9449 §7), retried once with
 * the server's nonce (RFC 9449 §9), refreshes once on a 401 (RFC 6749 §6), and re-authorizes
 * with the union of scopes on a 403 insufficient_scope (RFC 6750 §3.1), at most three sign-ins.
 *
 * @module
 */
import type { ServerDefinition } from "./ports.ts";
import { ErrorCode, McpOAuthError } from "./errors.ts";
import type { FetchLike } from "./http.ts";
import { scopeTokens } from "./scopes.ts";
import type { DpopKey } from "./dpop.ts";
import { type BearerChallenge, bearerChallenge, parseWwwAuthenticate } from "./www-authenticate.ts";

/** What authFetch needs from the engine. */
export interface TokenSource {
  /** A valid token; rejects with REAUTHORIZATION_NEEDED when a sign-in is needed. */
  getAccessToken(server: ServerDefinition): Promise<string>;
  /**
   * Like {@link getAccessToken}, with the DPoP key when the token is bound to one (RFC 9449
   * §7); used instead of it when present.
   */
  getCredential?(server: ServerDefinition): Promise<{ token: string; dpop?: DpopKey }>;
  /** Refresh now; rejects with REAUTHORIZATION_NEEDED when that is impossible. */
  refresh(server: ServerDefinition): Promise<unknown>;
  /** Scopes the stored token was granted. */
  heldScopes(server: ServerDefinition): Promise<string[]>;
  /** Remember a refused request's challenge for the sign-in it leads to. */
  noteChallenge?(server: ServerDefinition, challenge: BearerChallenge): void;
}

/** Options of {@link createAuthFetch}. */
export interface AuthFetchOptions {
  /**
   * Run a sign-in (browser, device flow…) for `server`, requesting `scopes`
   * when given; resolves once tokens are stored. Without it, authFetch fails
   * with REAUTHORIZATION_NEEDED where a sign-in would be needed.
   */
  authorize?: (
    server: ServerDefinition,
    scopes: string[] | undefined,
    reason: string,
  ) => Promise<void>;
  /** Sign-ins one request may trigger, the first included (RFC 6750 §3.1); default 3. */
  maxAuthorizations?: number;
}

/**
 * A fetch for `server` that carries its token. Requests to any other origin
 * pass through without the token (RFC 6750 §2.1).
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#access-token-usage
 * @see https://datatracker.ietf.org/doc/html/rfc6750#section-3.1
 */
export function createAuthFetch(
  tokens: TokenSource,
  server: ServerDefinition,
  fetchImpl: FetchLike,
  options: AuthFetchOptions = {},
): FetchLike {
  const origin = new URL(server.url).origin;
  const max = options.maxAuthorizations ?? 3;

  return async (input, init) => {
    const original = new Request(input, init);
    if (new URL(original.url).origin !== origin) return await fetchImpl(original);
    let authorizations = 0;
    let noToken: unknown;
    // The key of a DPoP-bound token: each request carries a new proof made with it.
    let dpop: DpopKey | undefined;
    const credential = async (): Promise<string> => {
      if (!tokens.getCredential) return await tokens.getAccessToken(server);
      const c = await tokens.getCredential(server);
      dpop = c.dpop;
      return c.token;
    };
    let nonceRetried = false;
    let bearerTried = false;
    let bearerTrial = false;
    const signIn = async (scopes: string[] | undefined, reason: string, cause?: unknown) => {
      if (!options.authorize) {
        if (cause) throw cause;
        throw new McpOAuthError(ErrorCode.REAUTHORIZATION_NEEDED, "", {
          fact: `${server.name} needs a new sign-in (${reason})`,
          advice: "sign in to it again",
          remedy: { do: "authorize", server: server.name },
        });
      }
      authorizations++;
      await options.authorize(server, scopes, reason);
      return await credential();
    };
    let token: string | undefined;
    try {
      token = await credential();
    } catch (err) {
      if (!isReauth(err)) throw err;
      // No token yet: ask without one. The server may not need one for this request (many
      // let `initialize` through), and its challenge says which scopes to sign in for (MCP scope selection).
      noToken = err;
    }
    // A 401 is answered by one refresh, then by sign-ins; nothing to refresh without a token.
    let refreshed = token === undefined;
    for (;;) {
      const req = original.clone();
      const asBearer = bearerTrial || dpop?.bearerOnly(req.url);
      if (token !== undefined && dpop && !asBearer) {
        req.headers.set("authorization", `DPoP ${token}`);
        req.headers.set("dpop", await dpop.proof(req.method, req.url, token));
      } else if (token !== undefined) req.headers.set("authorization", `Bearer ${token}`);
      const res = await fetchImpl(req);
      if (bearerTrial) {
        bearerTrial = false;
        if (res.status !== 401) dpop!.useBearer(req.url);
      }
      // RFC 9449 §9: a server that wants a nonce says so with a 401 and DPoP-Nonce; the
      // request is made once more with a new proof carrying it.
      if (token !== undefined && !asBearer && dpop?.noteNonce(req.url, res)) {
        if (res.status === 401 && !nonceRetried && wantsNonce(res)) {
          nonceRetried = true;
          await res.body?.cancel();
          continue;
        }
      }
      // A server that knows only Bearer (its challenge names no DPoP) while its AS binds tokens
      // reads the token as a bearer token (RFC 9449 §7.2 leaves that check to the server): it is
      // sent once as one, and from then on when that server accepts it. Never for a server
      // added with --dpop: there the person asked that the token never travel without a proof.
      if (
        token !== undefined && dpop && !asBearer && !bearerTried && res.status === 401 &&
        server.dpop !== true && knowsOnlyBearer(res)
      ) {
        bearerTried = bearerTrial = true;
        await res.body?.cancel();
        continue;
      }
      const challenge = res.status === 401 || res.status === 403
        ? bearerChallenge(res.headers.get("www-authenticate"))
        : undefined;
      if (challenge) tokens.noteChallenge?.(server, challenge);
      if (res.status === 401 && (!refreshed || authorizations < max)) {
        await res.body?.cancel();
        if (!refreshed) {
          refreshed = true;
          try {
            await tokens.refresh(server);
            token = await credential();
          } catch (err) {
            if (!isReauth(err)) throw err;
            token = await signIn(undefined, "the server refused the token", err);
          }
        } else {
          token = await signIn(
            undefined,
            token === undefined ? "no valid token" : "the server refused the token",
            token === undefined ? noToken : undefined,
          );
        }
        continue;
      }
      if (challenge?.error === "insufficient_scope") {
        await res.body?.cancel();
        const wanted = scopeTokens(challenge.scope);
        // The scopes held stay requested: a step-up must not lose what was granted.
        const scopes = [...new Set([...(await tokens.heldScopes(server)), ...wanted])];
        if (authorizations >= max) {
          throw new McpOAuthError(ErrorCode.INSUFFICIENT_SCOPE, "", {
            fact: `${server.name} still answers 403 insufficient_scope${
              wanted.length ? ` (wants "${wanted.join(" ")}")` : ""
            } after ${authorizations} sign-in${
              authorizations === 1 ? "" : "s"
            } for one request, so mcp-oauth stopped`,
            advice:
              "the account may lack that permission: ask the server's owner for access, or check the scopes requested",
            remedy: { do: "check-scopes" },
          });
        }
        token = await signIn(
          scopes,
          `the server needs the scopes "${wanted.join(" ") || "(unspecified)"}"`,
        );
        continue;
      }
      return res;
    }
  };
}

/** A 401 that challenges with Bearer and not with DPoP: a server that never heard of DPoP. */
function knowsOnlyBearer(res: Response): boolean {
  const schemes = parseWwwAuthenticate(res.headers.get("www-authenticate")).map((c) => c.scheme);
  return schemes.includes("bearer") && !schemes.includes("dpop");
}

/** A 401 whose DPoP challenge is `use_dpop_nonce` (RFC 9449 §9). */
function wantsNonce(res: Response): boolean {
  return parseWwwAuthenticate(res.headers.get("www-authenticate")).some((c) =>
    c.scheme === "dpop" && c.params["error"] === "use_dpop_nonce"
  );
}

function isReauth(err: unknown): boolean {
  return err instanceof McpOAuthError && err.code === ErrorCode.REAUTHORIZATION_NEEDED;
}
