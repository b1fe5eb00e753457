/**
 * Token sets: absolute expiry, refresh ahead of it, and the refresh grant
 * itself (RFC 6749 §6; RFC 6749 §5.2).
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";
import type { HttpContext } from "./http-context.ts";
import { recordPolicy } from "./request-policy.ts";
import { lenientTokenResponse } from "./lenient.ts";
import { oauthErrorCode, wrapOAuthError } from "./oauth-errors.ts";
import { clientAuth } from "./registration.ts";
import { scopeTokens } from "./scopes.ts";
import { type DpopKey, withDpopNonceRetry } from "./dpop.ts";
import type { TokenRecord } from "./records.ts";

/** Fields of a token record that come from the flow rather than the response. */
export type TokenContext = Omit<
  TokenRecord,
  "v" | "access_token" | "token_type" | "refresh_token" | "expires_at" | "obtained_at"
>;

/**
 * A token record from a token endpoint response, with an absolute expiry.
 * `previous` supplies the refresh token when the AS returns none (RFC 6749 §6).
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.1
 */
export function tokenRecordFrom(
  res: oauth.TokenEndpointResponse,
  context: TokenContext,
  now: number,
  previous?: TokenRecord,
): TokenRecord {
  // A DPoP-bound token is usable only with the key whose proofs obtained it (RFC 9449 §5):
  // without one (context.dpop_jkt) no proof can be made, so it is refused like any other type.
  const type = res.token_type?.toLowerCase();
  if (type !== undefined && type !== "bearer" && !(type === "dpop" && context.dpop_jkt)) {
    throw new Error(
      `the token_type "${oneLine(res.token_type!, 40)}" is not supported, only Bearer${
        context.dpop_jkt ? " and DPoP" : ""
      }`,
    );
  }
  return {
    v: 1,
    ...context,
    access_token: res.access_token,
    token_type: type === "dpop" ? "DPoP" : res.token_type ?? "bearer",
    refresh_token: res.refresh_token ?? previous?.refresh_token,
    // The AS's scope is shown to people: only well-formed scope tokens are kept.
    scope: (scopeTokens(res.scope).join(" ") || undefined) ?? previous?.scope ?? context.scope,
    expires_at: expiresAt(res.expires_in, now),
    obtained_at: now,
  };
}

/** The latest time a Date can hold, ms since the epoch. */
const MAX_DATE_MS = 8.64e15;

/**
 * The absolute expiry of a lifetime in seconds. One beyond any date (a broken
 * or hostile AS) counts as no lifetime given, like an absent `expires_in`.
 */
function expiresAt(expiresIn: unknown, now: number): number | undefined {
  if (typeof expiresIn !== "number") return undefined;
  const at = now + expiresIn * 1000;
  return Number.isFinite(at) && at <= MAX_DATE_MS ? at : undefined;
}

/**
 * How long before expiry a token is refreshed: a minute, or a quarter of its
 * lifetime for short-lived tokens, so a fresh token is never refreshed at once.
 */
export function refreshAheadMs(record: TokenRecord): number {
  if (record.expires_at === undefined) return 0;
  return Math.min(60_000, Math.max(0, (record.expires_at - record.obtained_at) / 4));
}

/** `valid`: use it; `refresh`: refresh now (still usable if that fails); `expired`. */
export function tokenState(record: TokenRecord, now: number): "valid" | "refresh" | "expired" {
  if (record.expires_at === undefined) return "valid";
  if (record.expires_at <= now) return "expired";
  return record.expires_at - refreshAheadMs(record) <= now ? "refresh" : "valid";
}

/**
 * Use the refresh token once. `invalid_grant` means the grant is gone: the
 * caller must sign in again (RFC 6749 §5.2).
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6
 */
export async function refreshTokenSet(
  http: HttpContext,
  record: TokenRecord,
  /** The client's secret, or its whole authentication (a machine grant's private_key_jwt). */
  clientSecret: string | oauth.ClientAuth | undefined,
  now: () => number,
  dpop?: DpopKey,
): Promise<TokenRecord> {
  if (!record.refresh_token) {
    throw new McpOAuthError(
      ErrorCode.REAUTHORIZATION_NEEDED,
      `The token for ${record.resource} has expired and there is no refresh token; re-authorization needed.`,
    );
  }
  const as: oauth.AuthorizationServer = {
    issuer: record.issuer,
    token_endpoint: record.token_endpoint,
  };
  const { client, auth: secretAuth } = clientAuth({
    client_id: record.client_id,
    token_endpoint_auth_method: record.auth_method,
    client_secret: typeof clientSecret === "string" ? clientSecret : undefined,
  });
  const auth = typeof clientSecret === "function" ? clientSecret : secretAuth;
  const refreshToken = record.refresh_token;
  // A token set obtained with DPoP is refreshed with a proof of the same key (RFC 9449 §5).
  const handle = record.dpop_jkt ? dpop?.handle() : undefined;
  try {
    const tokens = await withDpopNonceRetry(handle, async () => {
      const res = await oauth.refreshTokenGrantRequest(
        as,
        client,
        auth,
        refreshToken,
        recordPolicy(http, record).oauth(
          record.token_endpoint,
          "The stored token's token_endpoint",
          {
            additionalParameters: record.send_resource
              ? { resource: record.resource_indicator ?? record.resource }
              : undefined,
            ...(handle ? { DPoP: handle } : {}),
          },
        ),
      );
      return await oauth.processRefreshTokenResponse(as, client, await lenientTokenResponse(res));
    });
    const {
      v: _v,
      access_token: _a,
      token_type: _t,
      refresh_token: _r,
      expires_at: _e,
      obtained_at: _o,
      dpop_jkt: _k,
      ...context
    } = record;
    return tokenRecordFrom(
      tokens,
      handle ? { ...context, dpop_jkt: dpop!.jkt } : context,
      now(),
      record,
    );
  } catch (err) {
    const code = oauthErrorCode(err);
    if (code === "invalid_grant" || code === "invalid_client" || code === "unauthorized_client") {
      throw new McpOAuthError(
        ErrorCode.REAUTHORIZATION_NEEDED,
        `The authorization server no longer accepts the refresh token for ${record.resource} (${code}); re-authorization needed.`,
        { cause: err },
      );
    }
    throw wrapOAuthError(
      err,
      ErrorCode.TOKEN_REQUEST_FAILED,
      "Refreshing the token",
      record.token_endpoint,
      "retry later; if it persists, authorize again.",
    );
  }
}

/**
 * Revoke the refresh token, then the access token, at the AS (RFC 7009 §2).
 * Returns one line per failure; an empty list means both were revoked.
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.1
 */
export async function revokeTokenSet(
  http: HttpContext,
  record: TokenRecord,
  /** The client's secret, or its whole authentication (a machine grant's private_key_jwt). */
  clientSecret: string | oauth.ClientAuth | undefined,
): Promise<string[]> {
  if (!record.revocation_endpoint) {
    return [
      `${record.issuer} has no revocation endpoint; the tokens were deleted locally but stay valid at the server until they expire.`,
    ];
  }
  const as: oauth.AuthorizationServer = {
    issuer: record.issuer,
    token_endpoint: record.token_endpoint,
    revocation_endpoint: record.revocation_endpoint,
  };
  const { client, auth: secretAuth } = clientAuth({
    client_id: record.client_id,
    token_endpoint_auth_method: record.auth_method,
    client_secret: typeof clientSecret === "string" ? clientSecret : undefined,
  });
  const auth = typeof clientSecret === "function" ? clientSecret : secretAuth;
  const failures: string[] = [];
  const policy = recordPolicy(http, record);
  const tokens: [string, string | undefined][] = [["refresh_token", record.refresh_token], [
    "access_token",
    record.access_token,
  ]];
  for (const [hint, token] of tokens) {
    if (!token) continue;
    try {
      const res = await oauth.revocationRequest(
        as,
        client,
        auth,
        token,
        policy.oauth(record.revocation_endpoint, "The stored token's revocation_endpoint", {
          additionalParameters: { token_type_hint: hint },
        }),
      );
      await oauth.processRevocationResponse(res);
    } catch (err) {
      failures.push(
        wrapOAuthError(
          err,
          ErrorCode.REVOCATION_FAILED,
          `Revoking the ${hint.replace("_", " ")}`,
          record.revocation_endpoint,
          "it was deleted locally anyway, but may stay valid at the server until it expires.",
        ).message,
      );
    }
  }
  return failures;
}
