/**
 * The client authentication of a machine grant's stored client (the static client record
 * under `secret_key`): a secret (RFC 6749 §2.3.1) or a private key (RFC 7523 §2.2), for the
 * grant itself and for the refresh and revocation requests of the tokens it obtained.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError, oneLine } from "../errors.ts";
import { clientSecretBasic } from "../lenient.ts";
import type { CredentialStore } from "../ports.ts";
import {
  type AuthMethod,
  type ClientRecord,
  isClientRecord,
  readRecord,
  staticClientKey,
  writeRecord,
} from "../records.ts";
import type { GrantContext } from "./grant.ts";
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

/** A grant's stored client: see {@link storedClient}. */
export interface StoredClient {
  /** The static client record of the server, when it is the grant's client id. */
  saved?: ClientRecord;
  /** Its store key (the token record's `secret_key`). */
  key: string;
  /** Tie it to the AS it is being used with, the first time (call once the AS is trusted). */
  bind(): Promise<void>;
}

/**
 * The server's stored client for the grant's client id, refused in one line when it belongs to
 * another AS: its secret or key is never sent to a server it was not given for (as a browser
 * sign-in's pre-registered client, sign-in-steps.ts).
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3
 */
export async function storedClient(ctx: GrantContext): Promise<StoredClient> {
  const { issuer } = ctx.discovery;
  const key = staticClientKey(ctx.server.canonical);
  const record = await readRecord<ClientRecord>(
    ctx.store,
    key,
    "client credentials",
    isClientRecord,
  );
  const saved = record?.client_id === ctx.clientId ? record : undefined;
  if (saved?.issuer && saved.issuer !== issuer) {
    throw new McpOAuthError(ErrorCode.CLIENT_ISSUER_CHANGED, "", {
      fact: `${ctx.server.name} now names ${issuer} as its authorization server, but its client ${
        oneLine(ctx.clientId, 80)
      } belongs to ${saved.issuer}; its credentials were not sent to the new one`,
      advice: "if the client is registered there too, add the server again with its credentials",
      remedy: { do: "client-moved", server: ctx.server.name },
    });
  }
  return {
    saved,
    key,
    bind: async () => {
      if (saved && !saved.issuer) {
        await writeRecord(ctx.store, key, "mcp-oauth-static-client", { ...saved, issuer });
      }
    },
  };
}

function missing(what: string): McpOAuthError {
  return new McpOAuthError(ErrorCode.NO_CLIENT, "", {
    fact: `The client's ${what} is not in the credential store`,
    advice: "add the server again with it",
  });
}
