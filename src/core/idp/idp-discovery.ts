/**
 * Defining an enterprise IdP: OpenID Connect discovery of the issuer the person typed (its
 * `/.well-known/openid-configuration`, then RFC 8414's metadata as a fallback), each URL
 * allowed by the issuer's request policy (https off loopback, the SSRF guard), and the
 * metadata's `issuer` checked against the one typed.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://datatracker.ietf.org/doc/html/rfc8414#section-3
 * @module
 */
import type { AuthorizationServerMetadata } from "../discover.ts";
import { fetchAsMetadata } from "../discovery-requests.ts";
import { ErrorCode, McpOAuthError } from "../errors.ts";
import type { HttpContext } from "../http-context.ts";
import type { AuthMethod } from "../records.ts";
import { RequestPolicy } from "../request-policy.ts";
import { Trace } from "../trace.ts";
import { authorizationServerMetadataUrls } from "../urls.ts";
import type { IdpRecord } from "./idp-record.ts";

/** What the person typed to define an IdP. */
export interface IdpInput {
  name: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
}

/** The request policy of an IdP: the issuer the person typed, and its host only. */
export function idpPolicy(http: HttpContext, issuer: string): RequestPolicy {
  return new RequestPolicy(http, issuer, "Identity provider issuer");
}

/**
 * Discover the IdP's metadata and build its record (no session yet).
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 */
export async function defineIdp(
  http: HttpContext,
  input: IdpInput,
  now: number,
): Promise<IdpRecord> {
  const policy = idpPolicy(http, input.issuer);
  const issuer = policy.allow(input.issuer, "Identity provider issuer");
  const trace = new Trace();
  // OpenID's own location first (an IdP is an OpenID provider), then RFC 8414's.
  const oidc = `${issuer.href.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const urls = [oidc, ...authorizationServerMetadataUrls(issuer).filter((u) => u !== oidc)];
  let first: McpOAuthError | undefined;
  let as: AuthorizationServerMetadata | undefined;
  for (const [i, url] of urls.entries()) {
    const got = await fetchAsMetadata(http, policy, url, issuer, trace, i + 1);
    if (got.ok) {
      as = got.value;
      break;
    }
    // A metadata document that answered (a wrong issuer) says more than a 404 elsewhere.
    if (!first || (first.code === ErrorCode.DISCOVERY_FAILED && got.status === 200)) {
      first = got.error;
    }
  }
  if (!as) {
    throw new McpOAuthError(first?.code ?? ErrorCode.DISCOVERY_FAILED, "", {
      cause: first,
      fact: `No usable OpenID configuration for the identity provider ${input.issuer} (${
        first?.fact ?? "no answer"
      })`,
      advice: "check the issuer URL",
    });
  }
  if (typeof as.token_endpoint !== "string") {
    throw new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      `The identity provider ${as.issuer} names no token_endpoint in its metadata, so no token exchange is possible; check the issuer URL.`,
    );
  }
  policy.allow(as.token_endpoint, "The identity provider's token_endpoint");
  if (typeof as.authorization_endpoint === "string") {
    policy.allow(as.authorization_endpoint, "The identity provider's authorization_endpoint");
  }
  return {
    v: 1,
    name: input.name,
    issuer: as.issuer,
    token_endpoint: as.token_endpoint,
    ...(typeof as.authorization_endpoint === "string"
      ? { authorization_endpoint: as.authorization_endpoint }
      : {}),
    ...(strings(as.scopes_supported) ? { scopes_supported: strings(as.scopes_supported) } : {}),
    ...(strings(as.code_challenge_methods_supported)
      ? { code_challenge_methods_supported: strings(as.code_challenge_methods_supported) }
      : {}),
    ...(strings(as.id_token_signing_alg_values_supported)
      ? { id_token_signing_alg_values_supported: strings(as.id_token_signing_alg_values_supported) }
      : {}),
    ...(as.authorization_response_iss_parameter_supported === true
      ? { authorization_response_iss_parameter_supported: true }
      : {}),
    client_id: input.clientId,
    ...(input.clientSecret ? { client_secret: input.clientSecret } : {}),
    auth_method: authMethod(as, input.clientSecret),
    added_at: now,
  };
}

/** client_secret_basic with a secret, unless the IdP lists only client_secret_post; else none. */
function authMethod(as: AuthorizationServerMetadata, secret: string | undefined): AuthMethod {
  if (!secret) return "none";
  const listed = strings(as.token_endpoint_auth_methods_supported);
  return listed && !listed.includes("client_secret_basic") &&
      listed.includes("client_secret_post")
    ? "client_secret_post"
    : "client_secret_basic";
}

/** A metadata list, if it is one (metadata is untrusted JSON). */
function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : undefined;
}
