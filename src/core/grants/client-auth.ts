/**
 * The client authentication of a machine grant's stored client (the static client record
 * under `secret_key`): a secret (RFC 6749 §2.3.1) or a private key (RFC 7523 §2.2), for the
 * grant itself and for the refresh and revocation requests of the tokens it obtained.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError } from "../errors.ts";
import { clientSecretBasic } from "../lenient.ts";
import type { CredentialStore } from "../ports.ts";
import { type AuthMethod, type ClientRecord, isClientRecord, readRecord } from "../records.ts";
import { importSigningKey } from "./private-key.ts";

/**
 * oauth4webapi client authentication for `method` with the stored client `saved`.
 * @see https://datatracker.ietf.org/doc/html/rfc7523#section-2.2
 */
export async function clientAuthFor(
  method: AuthMethod,
  saved: Pick<ClientRecord, "client_secret" | "private_key" | "signing_alg"> | undefined,
): Promise<oauth.ClientAuth> {
  switch (method) {
    case "private_key_jwt": {
      if (!saved?.private_key) throw missing("private key");
      const { key } = await importSigningKey(saved.private_key, saved.signing_alg);
      // oauth4webapi signs a fresh assertion per request: iss = sub = client_id,
      // aud = the issuer, a random jti, exp 60 s ahead (RFC 7523 §3).
      return oauth.PrivateKeyJwt(key);
    }
    case "client_secret_basic":
      if (!saved?.client_secret) throw missing("client secret");
      return clientSecretBasic(saved.client_secret);
    case "client_secret_post":
      if (!saved?.client_secret) throw missing("client secret");
      return oauth.ClientSecretPost(saved.client_secret);
    default:
      return oauth.None();
  }
}

/**
 * The client authentication of a token record, or undefined when it uses no private key
 * (then the record's secret, if any, is enough: see tokens.ts).
 */
export async function recordClientAuth(
  store: CredentialStore,
  record: { auth_method: AuthMethod; secret_key?: string },
): Promise<oauth.ClientAuth | undefined> {
  if (record.auth_method !== "private_key_jwt" || !record.secret_key) return undefined;
  const saved = await readRecord<ClientRecord>(
    store,
    record.secret_key,
    "client key",
    isClientRecord,
  );
  return await clientAuthFor("private_key_jwt", saved);
}

function missing(what: string): McpOAuthError {
  return new McpOAuthError(ErrorCode.NO_CLIENT, "", {
    fact: `The client's ${what} is not in the credential store`,
    advice: "add the server again with it",
  });
}
