/**
 * One token request of a machine grant and the record it yields: the grant's parameters, the
 * scope and RFC 8707 `resource`, DPoP when the context carries a handle, through oauth4webapi
 * with the server's request policy (https, SSRF guard). Shared by every grant strategy.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.4
 * @see https://datatracker.ietf.org/doc/html/rfc7523#section-2.1
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError } from "../errors.ts";
import { lenientTokenResponse } from "../lenient.ts";
import type { AuthMethod, TokenRecord } from "../records.ts";
import { tokenRecordFrom } from "../tokens.ts";
import type { GrantContext } from "./grant.ts";

/** The client side of one grant request. */
export interface GrantClient {
  auth: oauth.ClientAuth;
  method: AuthMethod;
  /** Store key of the client's secret or key, kept in the record for refresh and revocation. */
  secretKey?: string;
}

/** The token endpoint of the discovered AS, or one line saying it has none. */
export function tokenEndpoint(ctx: GrantContext): string {
  const endpoint = ctx.discovery.as.token_endpoint;
  if (!endpoint) {
    throw new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      `${ctx.discovery.issuer} publishes no token_endpoint, so no token can be requested for ${ctx.server.name}`,
    );
  }
  return endpoint;
}

/**
 * Send `grantType` with `parameters` and make a token record of the answer (not stored).
 * Rejects with oauth4webapi's error as it is: the strategy words it.
 */
export async function requestGrant(
  ctx: GrantContext,
  grantType: string,
  parameters: Record<string, string>,
  client: GrantClient,
): Promise<TokenRecord> {
  const { as, issuer, resourceIndicator } = ctx.discovery;
  const endpoint = tokenEndpoint(ctx);
  const params = new URLSearchParams(parameters);
  if (ctx.scope) params.set("scope", ctx.scope);
  if (ctx.sendResource) params.set("resource", resourceIndicator);
  const oauthClient: oauth.Client = { client_id: ctx.clientId };
  const options = ctx.policy.oauth(endpoint, "token_endpoint", ctx.dpop ? { DPoP: ctx.dpop } : {});
  const res = grantType === "client_credentials"
    ? await oauth.clientCredentialsGrantRequest(as, oauthClient, client.auth, params, options)
    : await oauth.genericTokenEndpointRequest(
      as,
      oauthClient,
      client.auth,
      grantType,
      params,
      options,
    );
  const tokens = await oauth.processGenericTokenEndpointResponse(
    as,
    oauthClient,
    await lenientTokenResponse(res),
  );
  return tokenRecordFrom(tokens, {
    resource: ctx.server.canonical,
    issuer,
    authorization_endpoint: as.authorization_endpoint,
    token_endpoint: endpoint,
    revocation_endpoint: as.revocation_endpoint,
    client_id: ctx.clientId,
    auth_method: client.method,
    client_source: "static",
    ...(client.secretKey ? { secret_key: client.secretKey } : {}),
    send_resource: ctx.sendResource,
    ...(resourceIndicator !== ctx.server.canonical
      ? { resource_indicator: resourceIndicator }
      : {}),
    scope: ctx.scope,
    grant: ctx.grant.kind,
    // A token obtained with DPoP proofs is bound to that key (RFC 9449 §5).
    ...(ctx.dpop && ctx.dpopJkt ? { dpop_jkt: ctx.dpopJkt } : {}),
  }, ctx.now());
}
