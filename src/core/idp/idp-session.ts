/**
 * The person's session with the enterprise IdP: an id_token that has not expired, refreshed at
 * the IdP with its refresh token when it has; when neither works, one error saying to sign in
 * to the IdP again. A refusal never deletes anything stored: the person may fix the IdP side
 * (a disabled account, a revoked client) and go on.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokens
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError, oneLine } from "../errors.ts";
import type { HttpContext } from "../http-context.ts";
import type { Lock } from "../lock.ts";
import { decodeJwtClaims } from "../jwt-claims.ts";
import { oauthErrorCode, wrapOAuthError } from "../oauth-errors.ts";
import type { CredentialStore } from "../ports.ts";
import { clientAuth } from "../registration.ts";
import { idpPolicy } from "./idp-discovery.ts";
import { idpKey, type IdpRecord, readIdp, writeIdp } from "./idp-record.ts";

/** The IdP as oauth4webapi takes it, from its stored record. */
export function idpMetadata(record: IdpRecord): oauth.AuthorizationServer {
  return {
    issuer: record.issuer,
    token_endpoint: record.token_endpoint,
    ...(record.authorization_endpoint
      ? { authorization_endpoint: record.authorization_endpoint }
      : {}),
    ...(record.id_token_signing_alg_values_supported
      ? { id_token_signing_alg_values_supported: record.id_token_signing_alg_values_supported }
      : {}),
    ...(record.authorization_response_iss_parameter_supported
      ? { authorization_response_iss_parameter_supported: true }
      : {}),
  };
}

/** An id_token this close to its `exp` is treated as expired: the exchange takes a moment. */
const EXPIRY_MARGIN_MS = 30_000;

/** The one error of an ended IdP session: sign in to the IdP again (exit 3 in the CLI). */
export function idpSessionEnded(name: string, why: string, cause?: unknown): McpOAuthError {
  return new McpOAuthError(ErrorCode.REAUTHORIZATION_NEEDED, "", {
    cause,
    fact: `The session with the identity provider ${name} has ended (${why})`,
    advice: "sign in to the identity provider again",
    remedy: { do: "idp-sign-in", idp: name },
  });
}

/**
 * The `exp` of an id_token, ms since the epoch; throws one line when it is no JWT whose `iss`
 * is `issuer` or when it has expired. Nothing is verified cryptographically: the IdP that
 * issued it checks it at the exchange; this only catches a wrong or stale file early.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export function checkIdToken(
  idToken: string,
  record: Pick<IdpRecord, "name" | "issuer">,
  now: number,
): number {
  const claims = decodeJwtClaims(idToken.trim());
  if (!claims) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `The id_token given for ${record.name} is not a JWT; give the ID Token the identity provider issued (three base64url parts separated by dots).`,
    );
  }
  if (claims.iss !== record.issuer) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `The id_token given for ${record.name} was issued by "${
        oneLine(String(claims.iss ?? "nobody"), 100)
      }", not ${record.issuer}; give one from that identity provider.`,
    );
  }
  if (typeof claims.exp !== "number") {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `The id_token given for ${record.name} has no expiry (exp); give the ID Token the identity provider issued.`,
    );
  }
  const exp = claims.exp * 1000;
  if (exp <= now) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `The id_token given for ${record.name} expired at ${
        new Date(exp).toISOString()
      }; get a fresh one from the platform, or sign in to the identity provider in the browser.`,
    );
  }
  return exp;
}

/** The record with a new session: this id_token (and refresh token, if any), nothing older. */
export function withSession(
  record: IdpRecord,
  session: { idToken: string; refreshToken?: string },
  now: number,
): IdpRecord {
  const { id_token: _i, id_token_expires_at: _e, refresh_token: _r, ...rest } = record;
  return {
    ...rest,
    id_token: session.idToken.trim(),
    id_token_expires_at: checkIdToken(session.idToken, record, now),
    ...(session.refreshToken ? { refresh_token: session.refreshToken } : {}),
    signed_in_at: now,
  };
}

/**
 * A live id_token of the IdP: the stored one, or one its refresh token brings (the rotated
 * refresh token saved at once). Throws {@link idpSessionEnded} when only a new sign-in helps.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-6
 */
export async function freshIdToken(
  http: HttpContext,
  store: CredentialStore,
  record: IdpRecord,
  now: () => number,
  lock?: Lock,
): Promise<string> {
  const live = liveIdToken(record, now);
  if (live) return live;
  if (!lock) return await refreshSession(http, store, record, now);
  // Under the IdP's lock, so two processes (two servers' tokens at once) never spend the
  // rotating refresh token twice (RFC 6749 §6); the one that waited uses the session stored.
  return await lock.withLock(idpKey(record.name), async () => {
    const current = await readIdp(store, record.name).catch(() => undefined) ?? record;
    return liveIdToken(current, now) ?? await refreshSession(http, store, current, now);
  });
}

/** The stored id_token while it is still valid for a while; undefined otherwise. */
function liveIdToken(record: IdpRecord, now: () => number): string | undefined {
  return record.id_token && record.id_token_expires_at !== undefined &&
      record.id_token_expires_at - EXPIRY_MARGIN_MS > now()
    ? record.id_token
    : undefined;
}

/** A new session from the refresh token, stored at once; see {@link freshIdToken}. */
async function refreshSession(
  http: HttpContext,
  store: CredentialStore,
  record: IdpRecord,
  now: () => number,
): Promise<string> {
  if (!record.refresh_token) {
    throw idpSessionEnded(
      record.name,
      record.id_token ? "its id_token expired and there is no refresh token" : "not signed in",
    );
  }
  const as = idpMetadata(record);
  const { client, auth } = clientAuth({
    client_id: record.client_id,
    token_endpoint_auth_method: record.auth_method,
    client_secret: record.client_secret,
  });
  let tokens: oauth.TokenEndpointResponse;
  try {
    const res = await oauth.refreshTokenGrantRequest(
      as,
      client,
      auth,
      record.refresh_token,
      idpPolicy(http, record.issuer).oauth(
        record.token_endpoint,
        "The identity provider's token_endpoint",
      ),
    );
    // oauth4webapi checks a returned id_token's iss, aud, exp, iat and alg (OIDC Core §12.2);
    // lenient.ts is not used here, as it drops the id_token that is the point of this refresh.
    tokens = await oauth.processRefreshTokenResponse(as, client, res);
  } catch (err) {
    const code = oauthErrorCode(err);
    if (code === "invalid_grant" || code === "invalid_client" || code === "unauthorized_client") {
      // Another process (a second server's token, at the same moment) may have used the
      // rotating refresh token first and stored the new session: use that one.
      const at = now();
      const current = await readIdp(store, record.name).catch(() => undefined);
      if (
        code === "invalid_grant" && current?.refresh_token !== record.refresh_token &&
        current?.id_token && (current.id_token_expires_at ?? 0) - EXPIRY_MARGIN_MS > at
      ) {
        return current.id_token;
      }
      throw idpSessionEnded(record.name, `it refused the refresh token: ${code}`, err);
    }
    throw wrapOAuthError(
      err,
      ErrorCode.TOKEN_REQUEST_FAILED,
      `Refreshing the session with the identity provider ${record.name}`,
      record.token_endpoint,
      "retry later",
    );
  }
  if (!tokens.id_token) {
    throw idpSessionEnded(record.name, "its refresh brought no new id_token");
  }
  const next = withSession(record, {
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token ?? record.refresh_token,
  }, now());
  next.signed_in_at = record.signed_in_at;
  await writeIdp(store, next);
  return tokens.id_token;
}
