/**
 * Leniency on shape: responses that deployed servers send and peers accept,
 * normalised before oauth4webapi validates them. Only fields mcp-oauth does
 * not rely on for security are touched; everything that protects the user
 * (state, iss, issuer, PKCE, token type) is still checked by oauth4webapi.
 *
 * Written by hand because oauth4webapi has no switch for these; each rule says
 * why refusing would protect nobody.
 *
 * @module
 */
import type * as oauth from "oauth4webapi";

/**
 * A Dynamic Client Registration response as oauth4webapi accepts it.
 * - `client_secret` without `client_secret_expires_at` (required on paper,
 *   RFC 7591 §3.2.1): read as 0, "does not expire"; an expired secret is
 *   found out at the token endpoint anyway (invalid_client, then a new
 *   registration).
 * - 200 instead of 201: the body is the same registration.
 * @see https://datatracker.ietf.org/doc/html/rfc7591#section-3.2.1
 */
export async function lenientRegistrationResponse(res: Response): Promise<Response> {
  if (res.status !== 200 && res.status !== 201) return res;
  return await rewriteJson(res, 201, (body) => {
    if (typeof body.client_secret === "string" && body.client_secret_expires_at == null) {
      body.client_secret_expires_at = 0;
    }
  });
}

/**
 * A token endpoint response as oauth4webapi accepts it.
 * - `id_token`: dropped. mcp-oauth never asks for OpenID scopes and uses no
 *   ID Token claim, so one it cannot verify (HS256 with a secret it does not
 *   have, an unreachable jwks_uri) must not fail the sign-in.
 * - `expires_in` as a numeric string: read as the number.
 * - no `token_type` (required by RFC 6749 §5.1): Bearer, the only type a
 *   token without proof-of-possession can be.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.1
 */
export async function lenientTokenResponse(res: Response): Promise<Response> {
  if (res.status !== 200) return res;
  return await rewriteJson(res, 200, (body) => {
    delete body.id_token;
    if (typeof body.expires_in === "string" && /^\d{1,10}$/.test(body.expires_in)) {
      body.expires_in = Number(body.expires_in);
    }
    if (body.token_type === undefined && typeof body.access_token === "string") {
      body.token_type = "Bearer";
    }
  });
}

/**
 * Client authentication `client_secret_basic` that percent-encodes only what
 * must be encoded. RFC 6749 §2.3.1 form-encodes the id and secret, and
 * oauth4webapi encodes every `-`, `.`, `_`, `~`, …; servers that do not
 * form-decode Basic credentials then see another secret. encodeURIComponent
 * leaves those characters alone (they decode to themselves, so servers that do
 * decode read the same) and still encodes `:`, `%`, `+`, spaces and non-ASCII.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
 */
export function clientSecretBasic(secret: string): oauth.ClientAuth {
  return (_as, client, _body, headers) => {
    const credentials = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(secret)}`;
    headers.set("authorization", `Basic ${btoa(credentials)}`);
  };
}

/** `res` with its JSON object body changed by `edit`; anything else is passed on unchanged. */
async function rewriteJson(
  res: Response,
  status: number,
  edit: (body: Record<string, unknown>) => void,
): Promise<Response> {
  const text = await res.text();
  const same = () => new Response(text, res);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return same();
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return same();
  edit(body as Record<string, unknown>);
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify(body), { status, statusText: res.statusText, headers });
}
