/**
 * Workload identity federation (MCP SEP-1933): the RFC 7523 §2.1 jwt-bearer grant with a JWT
 * the platform gives the workload (a CI job's OIDC token, a Kubernetes service account token).
 * No registration and no client authentication (`none`, the client id in the body); the
 * assertion is read from its file or variable at every token request, since platforms rotate
 * it. One attempt: a refusal is reported, never retried with another grant. An assertion whose
 * `exp` has passed is reported before anything is sent.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc7523#section-2.1
 * @see https://github.com/modelcontextprotocol/modelcontextprotocol/pull/1933
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError, oneLine } from "../errors.ts";
import { decodeJwtClaims } from "../jwt-claims.ts";
import { errorDescription, oauthErrorCode, wrapOAuthError } from "../oauth-errors.ts";
import type { GrantConfig, GrantContext, GrantEnvironment, GrantStrategy } from "./grant.ts";
import { requestGrant, tokenEndpoint } from "./token-request.ts";

type JwtBearer = Extract<GrantConfig, { kind: "jwt_bearer" }>;

/** The grant type of RFC 7523 §2.1. */
export const JWT_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** How messages name where the assertion comes from. */
export function assertionSource(assertion: JwtBearer["assertion"]): string {
  return "file" in assertion
    ? `the assertion file ${oneLine(assertion.file, 200)}`
    : `the assertion variable ${oneLine(assertion.env, 80)}`;
}

/** The assertion as it is now; one line when it is missing, empty or no JWT. */
export async function readAssertion(
  assertion: JwtBearer["assertion"],
  environment: GrantEnvironment,
): Promise<string> {
  const source = assertionSource(assertion);
  let text: string | undefined;
  if ("file" in assertion) {
    try {
      text = await environment.readFile(assertion.file);
    } catch (err) {
      throw new McpOAuthError(ErrorCode.TOKEN_REQUEST_FAILED, "", {
        cause: err,
        fact: `${capital(source)} cannot be read (${
          oneLine((err as { code?: string }).code ?? String((err as Error).message ?? err), 80)
        })`,
        advice: "check that the platform still provides it there",
      });
    }
  } else {
    text = environment.env(assertion.env);
  }
  text = text?.trim();
  if (!text) {
    throw new McpOAuthError(ErrorCode.TOKEN_REQUEST_FAILED, "", {
      fact: `${capital(source)} is empty${"env" in assertion ? " or not set" : ""}`,
      advice: "check that the platform provides the workload's token there",
    });
  }
  if (!decodeJwtClaims(text)) {
    throw new McpOAuthError(ErrorCode.TOKEN_REQUEST_FAILED, "", {
      fact: `${capital(source)} does not hold a JWT`,
      advice: "it must hold the platform's identity token (three base64url parts)",
    });
  }
  return text;
}

/**
 * Refuse an assertion whose `exp` (RFC 7519 §4.1.4) has passed, saying when: the AS would
 * only answer invalid_grant.
 */
export function assertNotExpired(jwt: string, source: string, now: number): void {
  const exp = decodeJwtClaims(jwt)?.exp;
  if (typeof exp === "number" && exp * 1000 <= now) {
    throw new McpOAuthError(ErrorCode.TOKEN_REQUEST_FAILED, "", {
      fact: `The workload JWT in ${source} expired at ${
        new Date(exp * 1000).toISOString()
      }, so it was not sent`,
      advice: "have the platform issue a fresh one (it is re-read at every token request)",
    });
  }
}

/** See the module doc. */
export const jwtBearerGrant: GrantStrategy<JwtBearer> = {
  kind: "jwt_bearer",
  async obtain(ctx: GrantContext<JwtBearer>) {
    const source = assertionSource(ctx.grant.assertion);
    const assertion = await readAssertion(ctx.grant.assertion, ctx.environment);
    assertNotExpired(assertion, source, ctx.now());
    try {
      return await requestGrant(ctx, JWT_BEARER_GRANT_TYPE, { assertion }, {
        auth: oauth.None(),
        method: "none",
      });
    } catch (err) {
      const code = oauthErrorCode(err);
      if (code === "invalid_grant") {
        const description = errorDescription(err, 120);
        throw new McpOAuthError(ErrorCode.TOKEN_REQUEST_FAILED, "", {
          cause: err,
          fact:
            `${ctx.discovery.issuer} refused the workload JWT in ${source} (invalid_grant${description})`,
          advice: `check its audience (the AS expects ${ctx.discovery.issuer}), expiry and issuer`,
        });
      }
      throw wrapOAuthError(
        err,
        ErrorCode.TOKEN_REQUEST_FAILED,
        `The jwt-bearer grant for ${ctx.server.name}`,
        tokenEndpoint(ctx),
        "check that the authorization server trusts the workload's identity provider and client id.",
      );
    }
  },
};

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
