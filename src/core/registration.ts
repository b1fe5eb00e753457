/**
 * Client registration (MCP client registration, RFC 7591): a pre-registered client, else a Client ID
 * Metadata Document, else Dynamic Client Registration (RFC 7591), remembered
 * per issuer and redirect URI.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import type { CredentialStore } from "./ports.ts";
import type { AuthorizationServerMetadata } from "./discover.ts";
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";
import type { HttpContext } from "./http-context.ts";
import { RequestPolicy } from "./request-policy.ts";
import { clientSecretBasic, lenientRegistrationResponse } from "./lenient.ts";
import { wrapOAuthError } from "./oauth-errors.ts";
import {
  type AuthMethod,
  clientKey,
  type ClientRecord,
  isClientRecord,
  readRecord,
  writeRecord,
} from "./records.ts";
import type { Trace } from "./trace.ts";

/** A client the user registered with the provider themselves. */
export interface StaticClient {
  clientId: string;
  clientSecret?: string;
}

/** Inputs of {@link ensureClient}. */
export interface EnsureClientInput {
  as: AuthorizationServerMetadata;
  redirectUri: string;
  staticClient?: StaticClient;
  /** Client ID Metadata Document URL; used when the AS supports CIMD (MCP client registration). */
  clientMetadataUrl?: string;
  clientName: string;
  now: number;
  trace?: Trace;
  /** Register anew even if a registration is stored (after invalid_client, RFC 7591 §3). */
  fresh?: boolean;
  /** A device sign-in: any stored redirect URI will do, but the device grant is needed. */
  device?: boolean;
  /**
   * Redirect URIs a new DCR registration should cover too (Docker's gateway's, for a server
   * shared with it). Asked for, not required: an AS that refuses them gets a registration
   * without them.
   */
  alsoRedirectUris?: string[];
  /** Where the server's requests may go (discovery's); else the issuer's own host. */
  policy?: RequestPolicy;
}

/** The policy of requests to an AS known only by its issuer. */
function issuerPolicy(http: HttpContext, issuer: string): RequestPolicy {
  return new RequestPolicy(http, issuer, "Authorization server");
}

/**
 * The client to use with this AS: pre-registered first, else CIMD when the AS
 * supports it, else a stored DCR registration for the same issuer and
 * redirect URI, else a new one (MCP client registration; RFC 7591 §3).
 * @see https://datatracker.ietf.org/doc/html/rfc7591#section-3
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export async function ensureClient(
  http: HttpContext,
  store: CredentialStore,
  input: EnsureClientInput,
): Promise<ClientRecord> {
  const { as, redirectUri } = input;
  if (input.staticClient) {
    const secret = input.staticClient.clientSecret;
    return {
      v: 1,
      source: "static",
      issuer: as.issuer,
      client_id: input.staticClient.clientId,
      client_secret: secret,
      token_endpoint_auth_method: secret ? secretMethod(as) : "none",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token", DEVICE_GRANT],
      registered_at: input.now,
    };
  }
  if (input.clientMetadataUrl && as.client_id_metadata_document_supported === true) {
    // The client_id is the document's https URL; the AS fetches it (no secret).
    input.trace?.add({
      kind: "registration",
      round: input.trace.rounds,
      method: "-",
      url: input.clientMetadataUrl,
      outcome: "used",
      detail:
        "client ID metadata document: the AS advertises client_id_metadata_document_supported",
    }, input.trace.clock());
    return {
      v: 1,
      source: "cimd",
      issuer: as.issuer,
      client_id: input.clientMetadataUrl,
      token_endpoint_auth_method: "none",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token", DEVICE_GRANT],
      registered_at: input.now,
    };
  }
  const key = clientKey(as.issuer);
  let redirectUris = [redirectUri];
  /** Extra redirect URIs this AS already refused: not asked for again. */
  let refused: string[] = [];
  if (!input.fresh) {
    const known = await readRecord<ClientRecord>(store, key, "client registration", isClientRecord);
    const expired = known?.client_secret_expires_at &&
      known.client_secret_expires_at * 1000 <= input.now;
    const fits = input.device
      ? known?.grant_types?.includes(DEVICE_GRANT)
      : known?.redirect_uris.includes(redirectUri) &&
        (input.alsoRedirectUris ?? []).every((u) =>
          known.redirect_uris.includes(u) || known.declined_redirect_uris?.includes(u)
        );
    if (known && fits && !expired) return known;
    refused = known?.declined_redirect_uris ?? [];
    // A new redirect URI (another port, the dashboard): keep the old ones in the new
    // registration too, so the CLI and the dashboard do not take turns registering.
    if (known && !expired && !input.device && known.source === "dcr") {
      redirectUris = [
        ...known.redirect_uris.filter((u) =>
          u !== redirectUri && !input.alsoRedirectUris?.includes(u)
        ).slice(-3),
        redirectUri,
      ];
    }
  }
  const wanted = input.device
    ? []
    : (input.alsoRedirectUris ?? []).filter((u) => !redirectUris.includes(u));
  const also = wanted.filter((u) => !refused.includes(u));
  if (also.length) {
    try {
      return await register(http, store, input, [...redirectUris, ...also]);
    } catch (err) {
      // The AS refused the extra redirect URIs (e.g. an https one for a native client): the
      // sign-in itself must not fail for them.
      if (!(err instanceof McpOAuthError && err.code === ErrorCode.REGISTRATION_FAILED)) throw err;
    }
  }
  // Remember what the AS refused, so the next sign-in does not register again to ask.
  return await register(http, store, input, redirectUris, wanted.length ? wanted : undefined);
}

/** Register a client for `redirectUris` (RFC 7591) and remember it for the issuer. */
async function register(
  http: HttpContext,
  store: CredentialStore,
  input: EnsureClientInput,
  redirectUris: string[],
  declined?: string[],
): Promise<ClientRecord> {
  const { as, redirectUri } = input;
  const key = clientKey(as.issuer);
  if (!as.registration_endpoint) {
    throw new McpOAuthError(ErrorCode.NO_CLIENT, "", {
      fact: `${as.issuer} offers no dynamic client registration${
        input.clientMetadataUrl ? " and does not support client ID metadata documents" : ""
      }`,
      advice: "register a client with the provider and use its client id (and secret)",
      remedy: { do: "client-id", why: "no-registration" },
    });
  }
  const method = registrationMethod(as);
  const grantTypes = ["authorization_code", "refresh_token"];
  // Register for the device grant too when the AS offers it, so --device needs no new client.
  if (
    as.device_authorization_endpoint && (as.grant_types_supported?.includes(DEVICE_GRANT) ?? true)
  ) {
    grantTypes.push(DEVICE_GRANT);
  }
  const started = input.trace?.clock() ?? 0;
  let registered: oauth.OmitSymbolProperties<oauth.Client>;
  try {
    const res = await oauth.dynamicClientRegistrationRequest(
      as,
      {
        client_name: input.clientName,
        application_type: "native",
        redirect_uris: redirectUris,
        grant_types: grantTypes,
        response_types: ["code"],
        token_endpoint_auth_method: method,
      },
      (input.policy ?? issuerPolicy(http, as.issuer)).oauth(
        as.registration_endpoint,
        "AS metadata registration_endpoint",
      ),
    );
    registered = await oauth.processDynamicClientRegistrationResponse(
      await lenientRegistrationResponse(res),
    );
    assertUsableMethod(registered, method);
  } catch (err) {
    const error = wrapOAuthError(
      err,
      ErrorCode.REGISTRATION_FAILED,
      "Client registration",
      as.registration_endpoint,
      "use the client id of a client registered with the provider instead.",
      { do: "client-id", why: "registration-failed" },
    );
    input.trace?.add({
      kind: "registration",
      round: (input.trace?.rounds ?? 0) + 1,
      method: "POST",
      url: as.registration_endpoint,
      outcome: "failed",
      detail: error.message,
    }, started);
    throw error;
  }
  const granted = registered.token_endpoint_auth_method ?? method;
  const record: ClientRecord = {
    v: 1,
    source: "dcr",
    issuer: as.issuer,
    client_id: registered.client_id,
    client_secret: typeof registered.client_secret === "string"
      ? registered.client_secret
      : undefined,
    client_secret_expires_at: typeof registered.client_secret_expires_at === "number" &&
        registered.client_secret_expires_at > 0
      ? registered.client_secret_expires_at
      : undefined,
    token_endpoint_auth_method: isAuthMethod(granted) ? granted : method,
    redirect_uris: redirectUris,
    ...(declined ? { declined_redirect_uris: declined } : {}),
    grant_types: Array.isArray(registered.grant_types)
      ? registered.grant_types.filter((g) => typeof g === "string")
      : grantTypes,
    registered_at: input.now,
  };
  input.trace?.add({
    kind: "registration",
    round: (input.trace?.rounds ?? 0) + 1,
    method: "POST",
    url: as.registration_endpoint,
    status: 201,
    outcome: "used",
    detail: `registered a client (${record.token_endpoint_auth_method}) for ${redirectUri}`,
  }, started);
  await writeRecord(store, key, "mcp-oauth-client", record);
  return record;
}

/** Forget the stored registration for an issuer (RFC 7591 §3, `revoke --forget-client`). */
export async function forgetClient(store: CredentialStore, issuer: string): Promise<void> {
  await store.erase(clientKey(issuer));
}

/**
 * oauth4webapi client metadata and authentication for a record.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-2.3.1
 */
export function clientAuth(
  record: ClientRecord | {
    client_id: string;
    token_endpoint_auth_method: AuthMethod;
    client_secret?: string;
  },
): {
  client: oauth.Client;
  auth: oauth.ClientAuth;
} {
  const client: oauth.Client = { client_id: record.client_id };
  const secret = record.client_secret ?? "";
  switch (record.token_endpoint_auth_method) {
    case "client_secret_basic":
      return { client, auth: clientSecretBasic(secret) };
    case "client_secret_post":
      return { client, auth: oauth.ClientSecretPost(secret) };
    default:
      return { client, auth: oauth.None() };
  }
}

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** The AS's advertised auth methods; metadata is untrusted JSON, so anything but a list is none. */
function authMethodsSupported(as: AuthorizationServerMetadata): string[] | undefined {
  const list: unknown = as.token_endpoint_auth_methods_supported;
  return Array.isArray(list) ? list.filter((m): m is string => typeof m === "string") : undefined;
}

/** `none` preferred; else a secret method the AS advertises (RFC 7591 §2). */
function registrationMethod(as: AuthorizationServerMetadata): AuthMethod {
  const supported = authMethodsSupported(as);
  if (!supported || supported.includes("none")) return "none";
  if (supported.includes("client_secret_basic")) return "client_secret_basic";
  if (supported.includes("client_secret_post")) return "client_secret_post";
  throw new McpOAuthError(ErrorCode.REGISTRATION_FAILED, "", {
    fact: `${as.issuer} supports only the token endpoint auth methods ${
      supported.join(", ")
    }, none of which mcp-oauth can use`,
    advice: "use the client id of a pre-registered client",
    remedy: { do: "client-id", why: "unusable-methods" },
  });
}

/** RFC 8414 §2: `client_secret_basic` is the default when nothing is listed. */
function secretMethod(as: AuthorizationServerMetadata): AuthMethod {
  const supported = authMethodsSupported(as);
  if (!supported || supported.includes("client_secret_basic")) return "client_secret_basic";
  return supported.includes("client_secret_post") ? "client_secret_post" : "client_secret_basic";
}

/**
 * RFC 7591 §2: the client authenticates with the method it was registered for, so that
 * must be one mcp-oauth can use, and a secret method needs its secret.
 */
function assertUsableMethod(
  registered: oauth.OmitSymbolProperties<oauth.Client>,
  requested: AuthMethod,
) {
  const granted = registered.token_endpoint_auth_method ?? requested;
  if (granted === "none") return;
  const shown = `the client was registered for the token endpoint auth method "${
    oneLine(String(granted), 40)
  }"`;
  if (!isAuthMethod(granted)) throw new Error(`${shown}, which mcp-oauth cannot use`);
  if (typeof registered.client_secret !== "string" || !registered.client_secret) {
    throw new Error(`${shown} but no client_secret was returned`);
  }
}

function isAuthMethod(x: unknown): x is AuthMethod {
  return x === "none" || x === "client_secret_basic" || x === "client_secret_post";
}
