/**
 * Server text that may quote our secrets: an MCP server's error body or JSON-RPC error message
 * can echo the bearer token it was sent (or anything else it knows). Before such text reaches a
 * terminal, a log or a page, every stored secret of that server (access token, refresh token,
 * client secret) in it is replaced.
 *
 * @module
 */
import type { Engine } from "../core/engine.ts";
import {
  clientKey,
  type ClientRecord,
  isClientRecord,
  isTokenRecord,
  readRecord,
  staticClientKey,
  tokenKey,
  type TokenRecord,
} from "../core/records.ts";
import { canonicalResource } from "../core/urls.ts";
import type { ServerDefinition } from "../store/server-registry.ts";

/** What replaces a secret. */
export const REDACTED = "[redacted]";

/**
 * Shorter values are not searched for: replacing every "ok" in a message would garble it, and
 * no issued token or secret is this short.
 */
const MIN_SECRET = 8;

/**
 * `text` with every secret the store holds for `server` replaced by {@link REDACTED}, in the
 * forms a server echoes (as sent, and percent-encoded). Secrets that cannot be read (a failing
 * helper) are skipped: the text is then only as safe as the caller's other checks.
 * @see https://datatracker.ietf.org/doc/html/rfc6750#section-5.3
 */
export async function redactStored(
  engine: Engine,
  server: ServerDefinition,
  text: string,
): Promise<string> {
  let out = text;
  const secrets = [...await storedSecrets(engine, server)].sort((a, b) => b.length - a.length);
  for (const s of secrets) {
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.replaceAll(form, REDACTED);
  }
  return out;
}

/** Every token and client secret stored for `server`. */
async function storedSecrets(engine: Engine, server: ServerDefinition): Promise<Set<string>> {
  const found = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === "string" && v.length >= MIN_SECRET) found.add(v);
  };
  const read = <T extends TokenRecord | ClientRecord>(key: string, valid: typeof isTokenRecord) =>
    readRecord<T>(engine.store, key, "record", valid).catch(() => undefined);
  const resource = canonicalResource(server.url);
  // A sign-in during the session may have learnt the issuer since `server` was resolved.
  const issuer = (await engine.servers.get(server.name).catch(() => undefined))?.issuer ??
    server.issuer;
  if (issuer) {
    const token = await read<TokenRecord>(tokenKey(issuer, resource), isTokenRecord);
    add(token?.access_token);
    add(token?.refresh_token);
    if (token?.secret_key) {
      add((await read<ClientRecord>(token.secret_key, isClientRecord))?.client_secret);
    }
    add((await read<ClientRecord>(clientKey(issuer), isClientRecord))?.client_secret);
  }
  add((await read<ClientRecord>(staticClientKey(resource), isClientRecord))?.client_secret);
  return found;
}
