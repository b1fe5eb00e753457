/**
 * The URL policy for endpoints read back from the credential store. A stored record (ours, or
 * one imported from Docker's gateway, whose entries any program with access to the helper can
 * write) is checked as discovery checks live metadata before a refresh token, an access token
 * or a client secret is sent to it: https, or http only on loopback (OAuth 2.1 §1.5), and on one of the
 * server's own hosts, its authorization server's, a host the user allowed, or loopback only
 * for a server that is itself on loopback (the SSRF guard).
 *
 * @module
 */
import type { HttpContext } from "./http-context.ts";
import type { TokenRecord } from "./records.ts";
import { recordPolicy } from "./request-policy.ts";

/** The endpoints of a token record that receive secrets. */
const ENDPOINTS = ["token_endpoint", "revocation_endpoint"] as const;

/**
 * Throw INSECURE_URL or UNTRUSTED_HOST (one line naming the endpoint and the way out) unless
 * every endpoint of `record` may receive its tokens (checked up front, before a local delete;
 * every request checks its own URL again through the same policy).
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-1.5
 * @see https://datatracker.ietf.org/doc/html/rfc9728#section-7
 */
export function assertRecordEndpoints(
  record: Pick<TokenRecord, "resource" | "issuer" | (typeof ENDPOINTS)[number]>,
  http: Pick<HttpContext, "bounded" | "allowInsecureHttp" | "allowedHosts">,
  source = "stored token",
): void {
  const policy = recordPolicy(http, record, source);
  for (const key of ENDPOINTS) {
    const value = record[key];
    if (value !== undefined) policy.allow(value, `The ${source}'s ${key}`);
  }
}
