/**
 * The client credentials grant (RFC 6749 §4.4; MCP SEP-1046) for CI jobs and services: a
 * pre-registered client authenticates with its secret (client_secret_basic, or _post when the
 * AS lists only that) or a private key (private_key_jwt, RFC 7523 §2.2). The secret or key
 * is the static client record of the server in the credential store, bound to the AS it was
 * first used with, so it never goes to another one.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.4
 * @see https://github.com/modelcontextprotocol/modelcontextprotocol/pull/1046
 * @module
 */
import { ErrorCode, McpOAuthError, oneLine } from "../errors.ts";
import { wrapOAuthError } from "../oauth-errors.ts";
import type { AuthMethod } from "../records.ts";
import type { AuthorizationServerMetadata } from "../discover.ts";
import { clientAuthFor, storedClient } from "./client-auth.ts";
import type { GrantConfig, GrantContext, GrantStrategy } from "./grant.ts";
import { requestGrant, tokenEndpoint } from "./token-request.ts";

type ClientCredentials = Extract<GrantConfig, { kind: "client_credentials" }>;

/** The secret method to use: the configured one, else _post when the AS lists only that. */
export function secretMethod(
  configured: ClientCredentials["auth"],
  as: AuthorizationServerMetadata,
): AuthMethod {
  if (configured !== "client_secret_basic") return configured;
  const listed: unknown = as.token_endpoint_auth_methods_supported;
  const methods = Array.isArray(listed) ? listed : [];
  return methods.includes("client_secret_post") && !methods.includes("client_secret_basic")
    ? "client_secret_post"
    : "client_secret_basic";
}

/** See the module doc. */
export const clientCredentialsGrant: GrantStrategy<ClientCredentials> = {
  kind: "client_credentials",
  async obtain(ctx: GrantContext<ClientCredentials>) {
    const { saved, key, bind } = await storedClient(ctx);
    if (!saved) {
      throw new McpOAuthError(ErrorCode.NO_CLIENT, "", {
        fact: `No client ${
          ctx.grant.auth === "private_key_jwt" ? "private key" : "secret"
        } is stored for ${ctx.server.name}'s client ${oneLine(ctx.clientId, 80)}`,
        advice: "add the server again with its client id and secret or key",
      });
    }
    // Bound to the AS it is first used with (as a browser sign-in does).
    await bind();
    const method = secretMethod(ctx.grant.auth, ctx.discovery.as);
    const auth = await clientAuthFor(method, saved);
    try {
      return await requestGrant(ctx, "client_credentials", {}, { auth, method, secretKey: key });
    } catch (err) {
      throw wrapOAuthError(
        err,
        ErrorCode.TOKEN_REQUEST_FAILED,
        `The client credentials grant for ${ctx.server.name} (${method})`,
        tokenEndpoint(ctx),
        "check the client id and its secret or key, then add the server again.",
      );
    }
  },
};
