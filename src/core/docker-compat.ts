/**
 * The credential layout of Docker's MCP gateway in CE mode, so tokens
 * authorized here serve `docker mcp gateway run` and the other way round:
 *
 * - client: ServerURL `https://{serverName}.mcp-dcr`, Username `dcr_client`,
 *   Secret base64(JSON {authorizationEndpoint, authorizationServer, clientId,
 *   clientName, providerName, redirectUri, registeredAt, requiredScopes,
 *   resourceUrl, scopesSupported, serverName, tokenEndpoint}).
 * - token: ServerURL `{authorizationEndpoint}/{serverName}`, Username
 *   `oauth2_{serverName}`, Secret base64(JSON {access_token, token_type,
 *   refresh_token, expiry (RFC 3339)}).
 *
 * @module
 */
import type { Credential, CredentialStore } from "../store/credential-store.ts";
import type { TokenRecord } from "./records.ts";

/** Docker's DCR client entry. */
export interface DockerClient {
  authorizationEndpoint: string;
  authorizationServer: string;
  clientId: string;
  clientSecret?: string;
  clientName?: string;
  providerName: string;
  redirectUri?: string;
  registeredAt: string;
  requiredScopes?: string[];
  resourceUrl: string;
  scopesSupported?: string[];
  serverName: string;
  tokenEndpoint: string;
}

/** Docker's token entry. */
export interface DockerToken {
  access_token: string;
  token_type: string;
  refresh_token?: string;
  /** RFC 3339; absent when the token does not expire. */
  expiry?: string;
}

const SUFFIX = ".mcp-dcr";

/** Key of Docker's client entry for a server. */
export function dockerClientKey(serverName: string): string {
  return `https://${serverName}${SUFFIX}`;
}

/** Key of Docker's token entry. */
export function dockerTokenKey(authorizationEndpoint: string, serverName: string): string {
  return `${authorizationEndpoint}/${serverName}`;
}

/** The server name of a Docker client key, or undefined for any other key. */
export function dockerServerName(key: string): string | undefined {
  return key.startsWith("https://") && key.endsWith(SUFFIX)
    ? key.slice(8, -SUFFIX.length)
    : undefined;
}

/** Base64 of UTF-8 JSON, as Go's base64.StdEncoding of json.Marshal. */
export function encodeDocker(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Decode {@link encodeDocker}; undefined when it is not base64 JSON of an object. */
export function decodeDocker<T>(secret: string): T | undefined {
  try {
    const binary = atob(secret);
    const value = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))),
    );
    return value && typeof value === "object" && !Array.isArray(value) ? value as T : undefined;
  } catch {
    return undefined;
  }
}

/** Docker's entries for a token we hold. */
export function toDockerEntries(
  serverName: string,
  record: TokenRecord,
  client: {
    client_id: string;
    client_secret?: string;
    redirect_uri?: string;
    scopes_supported?: string[];
  },
): Credential[] {
  const authorizationEndpoint = record.authorization_endpoint ?? record.issuer;
  const dockerClient: DockerClient = {
    authorizationEndpoint,
    authorizationServer: record.issuer,
    clientId: client.client_id,
    ...(client.client_secret ? { clientSecret: client.client_secret } : {}),
    clientName: "mcp-oauth",
    providerName: serverName,
    redirectUri: client.redirect_uri,
    registeredAt: new Date(record.obtained_at).toISOString(),
    requiredScopes: record.scope ? record.scope.split(" ") : undefined,
    resourceUrl: record.resource,
    scopesSupported: client.scopes_supported,
    serverName,
    tokenEndpoint: record.token_endpoint,
  };
  const token: DockerToken = {
    access_token: record.access_token,
    token_type: record.token_type,
    ...(record.refresh_token ? { refresh_token: record.refresh_token } : {}),
    ...(record.expires_at ? { expiry: new Date(record.expires_at).toISOString() } : {}),
  };
  return [
    {
      ServerURL: dockerClientKey(serverName),
      Username: "dcr_client",
      Secret: encodeDocker(dockerClient),
    },
    {
      ServerURL: dockerTokenKey(authorizationEndpoint, serverName),
      Username: `oauth2_${serverName}`,
      Secret: encodeDocker(token),
    },
  ];
}

/** Our token record for Docker's entries (a public client unless Docker kept a secret). */
export function fromDockerEntries(
  client: DockerClient,
  token: DockerToken,
  now: number,
): TokenRecord {
  const expiry = dockerExpiry(token);
  return {
    v: 1,
    resource: client.resourceUrl,
    issuer: client.authorizationServer,
    authorization_endpoint: client.authorizationEndpoint,
    token_endpoint: client.tokenEndpoint,
    client_id: client.clientId,
    client_source: "docker",
    auth_method: client.clientSecret ? "client_secret_basic" : "none",
    send_resource: true,
    access_token: token.access_token,
    token_type: token.token_type || "bearer",
    refresh_token: token.refresh_token,
    scope: client.requiredScopes?.join(" "),
    expires_at: expiry,
    obtained_at: now,
  };
}

/**
 * The absolute expiry of a Docker token, ms since the epoch, or undefined when
 * it does not expire: Go writes that as its zero time, "0001-01-01T00:00:00Z".
 */
export function dockerExpiry(token: DockerToken): number | undefined {
  const at = token.expiry ? Date.parse(token.expiry) : NaN;
  return Number.isFinite(at) && at > 0 ? at : undefined;
}

/** The status `ls` shows for a server Docker authorized, as for our own (S20). */
export function dockerStatus(
  token: DockerToken | undefined,
  now: number,
): { state: "authorized" | "expired-refreshable" | "needs-authorization"; expiresAt?: number } {
  if (!token) return { state: "needs-authorization" };
  const expiresAt = dockerExpiry(token);
  if (expiresAt === undefined || expiresAt > now) return { state: "authorized", expiresAt };
  return { state: token.refresh_token ? "expired-refreshable" : "needs-authorization", expiresAt };
}

/** Shape check of a decoded Docker client entry. */
export function isDockerClient(x: Partial<DockerClient> | undefined): x is DockerClient {
  return !!x && typeof x.clientId === "string" && typeof x.serverName === "string" &&
    typeof x.authorizationEndpoint === "string" && typeof x.tokenEndpoint === "string" &&
    typeof x.resourceUrl === "string" && typeof x.authorizationServer === "string";
}

/** Shape check of a decoded Docker token entry. */
export function isDockerToken(x: Partial<DockerToken> | undefined): x is DockerToken {
  return !!x && typeof x.access_token === "string" && x.access_token !== "";
}

/** A server Docker's gateway authorized, as found in the store. */
export interface DockerServer {
  client: DockerClient;
  token?: DockerToken;
}

/** Every server with a Docker client entry in `store`, with its token if any. */
export async function readDockerServers(store: CredentialStore): Promise<DockerServer[]> {
  const names = Object.keys(await store.list()).map(dockerServerName).filter((n): n is string =>
    !!n
  );
  const found = await Promise.all(names.map(async (name): Promise<DockerServer | undefined> => {
    const entry = await store.get(dockerClientKey(name));
    const client = entry && decodeDocker<DockerClient>(entry.Secret);
    if (!isDockerClient(client)) return undefined;
    const t = await store.get(
      dockerTokenKey(client.authorizationEndpoint, client.providerName || name),
    );
    const token = t && decodeDocker<DockerToken>(t.Secret);
    return { client, token: isDockerToken(token) ? token : undefined };
  }));
  return found.filter((x): x is DockerServer => !!x);
}

/** Write (or update) Docker's entries for a token. `client` is omitted on refresh: only the token changes. */
export async function mirrorToDocker(
  store: CredentialStore,
  serverName: string,
  record: TokenRecord,
  client?: Parameters<typeof toDockerEntries>[2],
): Promise<void> {
  const [clientEntry, tokenEntry] = toDockerEntries(
    serverName,
    record,
    client ?? { client_id: record.client_id },
  );
  if (client) await store.store(clientEntry!);
  await store.store(tokenEntry!);
}

/** Delete Docker's entries for a server. */
export async function eraseDockerMirror(
  store: CredentialStore,
  serverName: string,
  record?: TokenRecord,
): Promise<void> {
  if (record) {
    await store.erase(dockerTokenKey(record.authorization_endpoint ?? record.issuer, serverName));
  }
  await store.erase(dockerClientKey(serverName));
}
