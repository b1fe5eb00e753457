/**
 * The authorization code flow with PKCE (RFC 7636, RFC 8252): build the request, then
 * check the callback (state, RFC 9207 `iss`) and exchange the code.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";
import type { PendingAuthorization } from "./flows.ts";
import type { HttpContext } from "./http-context.ts";
import { recordPolicy } from "./request-policy.ts";
import { lenientTokenResponse } from "./lenient.ts";
import { oauthErrorCode, wrapOAuthError } from "./oauth-errors.ts";
import { NetworkError } from "./http.ts";
import { clientAuth } from "./registration.ts";
import type { TokenRecord } from "./records.ts";
import { tokenRecordFrom } from "./tokens.ts";
import { type DpopKey, withDpopNonceRetry } from "./dpop.ts";

/**
 * Fail unless the AS advertises PKCE with S256 (RFC 7636 §4.2).
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-7.5.2
 */
export function assertPkceS256(as: oauth.AuthorizationServer): void {
  const methods = as.code_challenge_methods_supported;
  if (!Array.isArray(methods) || !methods.includes("S256")) {
    throw new McpOAuthError(
      ErrorCode.PKCE_UNSUPPORTED,
      `${as.issuer} does not advertise PKCE with S256 (code_challenge_methods_supported: ${
        JSON.stringify(methods ?? null)
      }); mcp-oauth refuses to sign in without it. Ask the provider to enable PKCE.`,
    );
  }
}

/**
 * Build the authorization URL for a pending request (RFC 7636 §4.2; RFC 8707 §2; MCP scope selection).
 * @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.3
 * @see https://datatracker.ietf.org/doc/html/rfc8707#section-2.1
 */
export async function authorizationUrl(p: PendingAuthorization): Promise<URL> {
  assertPkceS256(p.as);
  const url = new URL(p.as.authorization_endpoint!);
  const params = url.searchParams;
  params.set("response_type", "code");
  params.set("client_id", p.client.client_id);
  params.set("redirect_uri", p.redirectUri);
  params.set("code_challenge", await oauth.calculatePKCECodeChallenge(p.codeVerifier));
  params.set("code_challenge_method", "S256");
  params.set("state", p.sentState ?? p.state);
  if (p.scopes.length) params.set("scope", p.scopes.join(" "));
  if (p.sendResource) params.set("resource", p.resourceIndicator);
  return url;
}

/**
 * Check a callback against its pending request and exchange the code.
 * `iss` is checked before anything else in the response, errors included
 * (RFC 9207 §2.4); state was matched by the caller when it looked the request up.
 * @see https://datatracker.ietf.org/doc/html/rfc9207#section-2.4
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.3
 */
export async function completeAuthorization(
  http: HttpContext,
  p: PendingAuthorization,
  params: URLSearchParams,
  now: () => number,
  dpop?: DpopKey,
): Promise<TokenRecord> {
  const { client, auth } = clientAuth(p.client);
  // The state was used up when the request was looked up: a bad response ends the sign-in.
  const invalid = (why: string) =>
    new McpOAuthError(
      ErrorCode.AUTHORIZATION_DENIED,
      `The callback is not a valid authorization response (${why}); start the sign-in again.`,
    );
  if (params.getAll("iss").length > 1) {
    throw new McpOAuthError(
      ErrorCode.ISS_MISMATCH,
      `The callback's iss appears more than once; expected ${p.issuer} once (RFC 9207 mix-up defence); ignoring the response. Start the sign-in again; if this repeats, tell the authorization server's operator.`,
    );
  }
  for (const name of ["code", "error", "error_description", "error_uri"]) {
    if (params.getAll(name).length > 1) throw invalid(`"${name}" appears more than once`);
  }
  // RFC 9207 §2.4, checked here before anything else in the response (errors included): a
  // present iss must equal the issuer byte for byte, an absent one is refused when the AS
  // advertises it. oauth4webapi checks it too, but reports it only as text.
  const iss = params.get("iss");
  if (
    iss === null ? p.as.authorization_response_iss_parameter_supported === true : iss !== p.issuer
  ) {
    throw new McpOAuthError(
      ErrorCode.ISS_MISMATCH,
      `The callback's iss ${
        iss !== null ? `"${oneLine(iss, 100)}" is not` : "is missing; expected"
      } ${p.issuer} (RFC 9207 mix-up defence); ignoring the response. Start the sign-in again; if this repeats, tell the authorization server's operator.`,
    );
  }
  let checked: URLSearchParams;
  try {
    checked = oauth.validateAuthResponse(p.as, client, params, p.state);
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) {
      throw new McpOAuthError(
        ErrorCode.AUTHORIZATION_DENIED,
        `The authorization server refused the sign-in: ${oneLine(err.error, 60)}${
          err.error_description ? ` (${oneLine(err.error_description, 160)})` : ""
        }; try again, or check the client and scopes.`,
      );
    }
    throw invalid(oneLine(err instanceof Error ? err.message : String(err), 120));
  }
  if (!checked.get("code")) throw invalid("it carries neither a code nor an error");
  // The code is exchanged with a proof when the tokens are to be DPoP-bound (RFC 9449 §5); an
  // AS that wants a nonce answers use_dpop_nonce before using the code, so one retry is safe.
  const handle = dpop?.handle();
  try {
    const tokens = await withDpopNonceRetry(handle, async () => {
      const res = await oauth.authorizationCodeGrantRequest(
        p.as,
        client,
        auth,
        checked,
        p.redirectUri,
        p.codeVerifier,
        recordPolicy(http, p, "sign-in").oauth(p.as.token_endpoint!, "AS metadata token_endpoint", {
          additionalParameters: p.sendResource ? { resource: p.resourceIndicator } : undefined,
          ...(handle ? { DPoP: handle } : {}),
        }),
      );
      return await oauth.processAuthorizationCodeResponse(
        p.as,
        client,
        await lenientTokenResponse(res),
      );
    });
    return tokenRecordFrom(tokens, {
      resource: p.resource,
      issuer: p.issuer,
      authorization_endpoint: p.as.authorization_endpoint,
      token_endpoint: p.as.token_endpoint!,
      revocation_endpoint: p.as.revocation_endpoint,
      client_id: p.client.client_id,
      client_source: p.client.source,
      auth_method: p.client.token_endpoint_auth_method,
      send_resource: p.sendResource,
      ...(p.resourceIndicator !== p.resource ? { resource_indicator: p.resourceIndicator } : {}),
      scope: p.scopes.join(" ") || undefined,
      ...(dpop ? { dpop_jkt: dpop.jkt } : {}),
    }, now());
  } catch (err) {
    throw wrapOAuthError(
      err,
      ErrorCode.TOKEN_REQUEST_FAILED,
      "The code exchange",
      p.as.token_endpoint!,
      exchangeAdvice(err),
      refusesClient(err) ? { do: "check-client" } : undefined,
    );
  }
}

/**
 * What helps after a failed code exchange. A new sign-in helps when the code
 * was lost or expired (network trouble, a server error, invalid_grant); it
 * does not when the AS refuses the client or answers what no retry changes.
 */
function exchangeAdvice(err: unknown): string {
  const code = oauthErrorCode(err);
  if (refusesClient(err)) {
    return "the authorization server does not accept this client: check its client id and secret, or sign in without them to register a new one.";
  }
  if (code === "invalid_grant" || err instanceof NetworkError) return "start the sign-in again.";
  const status = err instanceof oauth.ResponseBodyError
    ? err.status
    : err instanceof oauth.OperationProcessingError && err.cause instanceof Response
    ? err.cause.status
    : 0;
  if (status >= 500) {
    return "the authorization server failed; start the sign-in again later.";
  }
  if (code) return "check the client and scopes, or tell the authorization server's operator.";
  return "the authorization server's answer cannot be used; tell its operator.";
}

function refusesClient(err: unknown): boolean {
  const code = oauthErrorCode(err);
  return code === "invalid_client" || code === "unauthorized_client";
}
