/**
 * Enterprise-managed authorization (MCP SEP-990, cross-app access): the person signed in once
 * to the enterprise IdP; for each MCP server configured with that IdP, mcp-oauth
 *
 * 1. exchanges the person's id_token at the IdP for an Identity Assertion JWT Authorization
 *    Grant (ID-JAG): RFC 8693 token exchange, `requested_token_type` id-jag, `audience` the
 *    MCP server's AS issuer, `resource` the PRM's resource byte for byte, the IdP client's own
 *    authentication;
 * 2. presents the ID-JAG at the MCP server's AS as an RFC 7523 jwt-bearer grant, with the
 *    server's client authentication (client_secret_basic when a secret was given).
 *
 * The id_token is refreshed at the IdP when it has expired; when the IdP session has ended
 * (no refresh token, invalid_grant, the exchange refused), one line says to sign in to the IdP
 * again, and nothing stored is deleted.
 *
 * @see https://github.com/modelcontextprotocol/ext-auth (enterprise-managed authorization)
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/
 * @see https://datatracker.ietf.org/doc/html/rfc8693#section-2.1
 * @see https://datatracker.ietf.org/doc/html/rfc7523#section-2.1
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError, oneLine } from "../errors.ts";
import { lenientTokenResponse } from "../lenient.ts";
import { errorDescription, oauthErrorCode, wrapOAuthError } from "../oauth-errors.ts";
import type { AuthMethod } from "../records.ts";
import { clientAuth } from "../registration.ts";
import { idpPolicy } from "../idp/idp-discovery.ts";
import { type IdpRecord, requireIdp } from "../idp/idp-record.ts";
import { freshIdToken, idpMetadata, idpSessionEnded } from "../idp/idp-session.ts";
import type { HttpContext } from "../http-context.ts";
import type { Lock } from "../lock.ts";
import type { CredentialStore } from "../ports.ts";
import { clientAuthFor, storedClient } from "./client-auth.ts";
import { secretMethod } from "./client-credentials.ts";
import type { GrantConfig, GrantContext, GrantStrategy } from "./grant.ts";
import { JWT_BEARER_GRANT_TYPE } from "./jwt-bearer.ts";
import { requestGrant, tokenEndpoint } from "./token-request.ts";

type IdJag = Extract<GrantConfig, { kind: "id_jag" }>;

/** RFC 8693 §2.1's grant type. */
export const TOKEN_EXCHANGE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
/** The token type of an ID-JAG (draft-ietf-oauth-identity-assertion-authz-grant §9). */
export const ID_JAG_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id-jag";
/** RFC 8693 §3's type of an OpenID Connect ID Token. */
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";

/** What the exchange at the IdP is for. */
export interface ExchangeTarget {
  /** The MCP server's AS issuer: the ID-JAG's `aud`. */
  audience: string;
  /** The PRM's `resource`, byte for byte. */
  resource: string;
  /** Scopes to ask for, space separated, if any. */
  scope?: string;
  /** The server's name, for messages. */
  server: string;
}

/**
 * Exchange the person's id_token at the IdP for an ID-JAG (RFC 8693). A refusal with
 * invalid_grant (the id_token is no longer accepted: the session ended) is the one line that
 * says to sign in to the IdP again; other refusals name the IdP's answer.
 * @see https://datatracker.ietf.org/doc/html/rfc8693#section-2.1
 */
export async function exchangeForIdJag(
  http: HttpContext,
  idp: IdpRecord,
  idToken: string,
  target: ExchangeTarget,
): Promise<string> {
  const as = idpMetadata(idp);
  const { client, auth } = clientAuth({
    client_id: idp.client_id,
    token_endpoint_auth_method: idp.auth_method,
    client_secret: idp.client_secret,
  });
  const params = new URLSearchParams({
    requested_token_type: ID_JAG_TOKEN_TYPE,
    audience: target.audience,
    resource: target.resource,
    subject_token: idToken,
    subject_token_type: ID_TOKEN_TYPE,
  });
  if (target.scope) params.set("scope", target.scope);
  let body: oauth.TokenEndpointResponse;
  try {
    const res = await oauth.genericTokenEndpointRequest(
      as,
      client,
      auth,
      TOKEN_EXCHANGE_GRANT_TYPE,
      params,
      idpPolicy(http, idp.issuer).oauth(
        idp.token_endpoint,
        "The identity provider's token_endpoint",
      ),
    );
    // RFC 8693 §2.2.1: an issued token that is no access token has token_type "N_A". Shape
    // only (lenient.ts: a missing token_type, expires_in as a string) is accepted; the issued
    // token's type is checked below.
    body = await oauth.processGenericTokenEndpointResponse(
      as,
      client,
      await lenientTokenResponse(res),
      {
        recognizedTokenTypes: { n_a: () => {} },
      },
    );
  } catch (err) {
    const code = oauthErrorCode(err);
    if (code === "invalid_grant") {
      const description = errorDescription(err, 120);
      throw idpSessionEnded(
        idp.name,
        `it refused to exchange the id_token for ${target.server} (invalid_grant${description})`,
        err,
      );
    }
    throw wrapOAuthError(
      err,
      ErrorCode.TOKEN_REQUEST_FAILED,
      `The token exchange at the identity provider ${idp.name} for ${target.server}`,
      idp.token_endpoint,
      code === "invalid_client" || code === "unauthorized_client"
        ? `the IdP does not accept the client ${
          oneLine(idp.client_id, 60)
        } for token exchange: check it with the IdP's administrators, then define the IdP again`
        : code
        ? `ask the IdP's administrators whether ${target.server} (${target.audience}) is allowed for cross-app access`
        : "retry later; if it persists, tell the IdP's administrators",
    );
  }
  const issued = (body as { issued_token_type?: unknown }).issued_token_type;
  if (issued !== undefined && issued !== ID_JAG_TOKEN_TYPE) {
    throw new McpOAuthError(
      ErrorCode.TOKEN_REQUEST_FAILED,
      `The identity provider ${idp.name} answered the token exchange for ${target.server} with a token of type "${
        oneLine(String(issued), 80)
      }", not an ID-JAG (${ID_JAG_TOKEN_TYPE}); tell the IdP's administrators.`,
    );
  }
  return body.access_token;
}

/** The server's client at its AS: the stored secret (bound to this AS), or none. */
async function serverClient(ctx: GrantContext<IdJag>) {
  const { saved, key, bind } = await storedClient(ctx);
  if (!saved?.client_secret && !saved?.private_key) {
    return { auth: oauth.None(), method: "none" as AuthMethod, bind: () => Promise.resolve() };
  }
  const method = saved.private_key
    ? "private_key_jwt"
    : secretMethod("client_secret_basic", ctx.discovery.as);
  return {
    auth: await clientAuthFor(method, saved),
    method,
    secretKey: key,
    // Bound to the AS only once the IdP has given an assertion: a refused exchange changes
    // nothing stored.
    bind,
  };
}

/** The IdP of the grant, with a live id_token (refreshed at the IdP if it had expired). */
async function idpSession(
  ctx: { http: HttpContext; store: CredentialStore; now: () => number; lock?: Lock },
  name: string,
): Promise<{ idp: IdpRecord; idToken: string }> {
  const idp = await requireIdp(ctx.store, name);
  return { idp, idToken: await freshIdToken(ctx.http, ctx.store, idp, ctx.now, ctx.lock) };
}

/** See the module doc. */
export const idJagGrant: GrantStrategy<IdJag> = {
  kind: "id_jag",
  async obtain(ctx: GrantContext<IdJag>) {
    const { idp, idToken } = await idpSession(ctx, ctx.grant.idp);
    const client = await serverClient(ctx);
    const assertion = await exchangeForIdJag(ctx.http, idp, idToken, {
      audience: ctx.discovery.issuer,
      resource: ctx.discovery.resourceIndicator,
      scope: ctx.scope,
      server: ctx.server.name,
    });
    await client.bind();
    try {
      return await requestGrant(ctx, JWT_BEARER_GRANT_TYPE, { assertion }, client);
    } catch (err) {
      const code = oauthErrorCode(err);
      throw wrapOAuthError(
        err,
        ErrorCode.TOKEN_REQUEST_FAILED,
        `Presenting ${idp.name}'s ID-JAG to ${ctx.server.name}'s authorization server`,
        tokenEndpoint(ctx),
        code === "invalid_client" || code === "unauthorized_client"
          ? "it does not accept the client: check --client-id and its secret, then add the server again"
          : code === "invalid_grant"
          ? `it does not trust ${idp.name}'s assertion for this client: ask its operator to allow the IdP ${idp.issuer}`
          : "retry later; if it persists, tell the server's operator",
      );
    }
  },
};
