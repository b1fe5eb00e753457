/**
 * The credential layout of Docker's MCP gateway in CE mode, so tokens
 * authorized here serve `docker mcp gateway run` and the other way round:
 *
 * - client: ServerURL `https://{serverName}.mcp-dcr`, Username `dcr_client`,
 *   Secret base64(JSON {authorizationEndpoint, authorizationServer, clientId,
 *   clientName, providerName, redirectUri, registeredAt, requiredScopes,
 *   resourceUrl, scopesSupported, serverName, tokenEndpoint}). The gateway never
 *   sets `authorizationServer` (omitempty, so absent) and writes no secret; those
 *   two appear only in entries mcp-oauth wrote.
 * - token: ServerURL `{authorizationEndpoint}/{providerName}`, Username
 *   `oauth2_{providerName}`, Secret base64(JSON {access_token, token_type,
 *   refresh_token, expiry (RFC 3339, nanoseconds), expires_in}).
 *
 * @see https://github.com/docker/mcp-gateway/blob/main/pkg/oauth/dcr/credentials.go
 * @see https://github.com/docker/mcp-gateway/blob/main/pkg/oauth/token_store.go
 * @module
 */
import type { Credential, CredentialStore, Mirrored } from "../core/ports.ts";
import type { TokenRecord } from "../core/records.ts";

/**
 * The redirect URI Docker's gateway signs in with in CE mode (its relay forwards to the
 * gateway's loopback port): a client shared with the gateway must be registered for it.
 */
export const DOCKER_REDIRECT_URI = "https://mcp.docker.com/oauth/callback";

/** Docker's DCR client entry. */
export interface DockerClient {
  authorizationEndpoint: string;
  /** Only in entries mcp-oauth wrote: the gateway leaves it empty (omitted). */
  authorizationServer?: string;
  clientId: string;
  clientSecret?: string;
  clientName?: string;
  providerName: string;
  redirectUri?: string;
  registeredAt: string;
  requiredScopes?: string[];
  /** The PRM's `resource`, or the server's origin when the PRM names none: not the MCP URL. */
  resourceUrl?: string;
  scopesSupported?: string[];
  serverName: string;
  tokenEndpoint: string;
}

/** Docker's token entry. */
export interface DockerToken {
  access_token: string;
  token_type: string;
  refresh_token?: string;
  /** RFC 3339; absent, or Go's zero time, when the token does not expire. */
  expiry?: string;
  /** Seconds, as the token response said (golang.org/x/oauth2 keeps it). */
  expires_in?: number;
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
    /** Every redirect URI the client is registered for: Docker's one, if there, is written. */
    redirect_uris?: string[];
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
    // The gateway signs in with its own redirect URI whatever the entry says; name it when the
    // client is registered for it, so the entry tells the truth.
    redirectUri: client.redirect_uris?.includes(DOCKER_REDIRECT_URI)
      ? DOCKER_REDIRECT_URI
      : client.redirect_uri ?? client.redirect_uris?.[0],
    registeredAt: new Date(record.obtained_at).toISOString(),
    requiredScopes: record.scope ? record.scope.split(" ") : undefined,
    resourceUrl: record.resource_indicator ?? record.resource,
    scopesSupported: client.scopes_supported,
    serverName,
    tokenEndpoint: record.token_endpoint,
  };
  const token: DockerToken = {
    access_token: record.access_token,
    token_type: record.token_type,
    ...(record.refresh_token ? { refresh_token: record.refresh_token } : {}),
    ...(record.expires_at ? { expiry: new Date(record.expires_at).toISOString() } : {}),
    // As golang.org/x/oauth2 keeps it: the lifetime the token response gave, in seconds.
    ...(record.expires_at && record.expires_at > record.obtained_at
      ? { expires_in: Math.round((record.expires_at - record.obtained_at) / 1000) }
      : {}),
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

/**
 * Our token record for Docker's entries (a public client unless Docker kept a secret), for the
 * MCP server `resource` (canonical) behind `issuer`. Docker's `resourceUrl` is what the gateway
 * sent as RFC 8707 `resource`; it is sent again on refresh.
 */
export function fromDockerEntries(
  client: DockerClient,
  token: DockerToken,
  now: number,
  target: { issuer: string; resource: string },
): TokenRecord {
  const expiry = dockerExpiry(token);
  const indicator = client.resourceUrl ?? target.resource;
  return {
    v: 1,
    resource: target.resource,
    ...(indicator !== target.resource ? { resource_indicator: indicator } : {}),
    issuer: target.issuer,
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
    obtained_at: dockerObtainedAt(token, now),
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

/**
 * When Docker's token was issued: its expiry less `expires_in` (the gateway keeps both), else
 * `now`. Refreshing ahead of expiry is scaled by the token's lifetime, so it matters.
 */
export function dockerObtainedAt(token: DockerToken, now: number): number {
  const expiry = dockerExpiry(token);
  const lifetime = typeof token.expires_in === "number" && token.expires_in > 0
    ? token.expires_in * 1000
    : undefined;
  return expiry !== undefined && lifetime !== undefined ? Math.min(now, expiry - lifetime) : now;
}

/** The status `ls` shows for a server Docker authorized, as for our own (RFC 6749 §6). */
export function dockerStatus(
  token: DockerToken | undefined,
  now: number,
): { state: "authorized" | "expired-refreshable" | "needs-authorization"; expiresAt?: number } {
  if (!token) return { state: "needs-authorization" };
  const expiresAt = dockerExpiry(token);
  if (expiresAt === undefined || expiresAt > now) return { state: "authorized", expiresAt };
  return { state: token.refresh_token ? "expired-refreshable" : "needs-authorization", expiresAt };
}

/**
 * Shape check of a decoded Docker client entry: what the gateway itself needs to use it (a
 * client id and both endpoints). `authorizationServer` and `resourceUrl` may be absent.
 */
export function isDockerClient(x: Partial<DockerClient> | undefined): x is DockerClient {
  const optional = (v: unknown) => v === undefined || typeof v === "string";
  return !!x && typeof x.clientId === "string" && x.clientId !== "" &&
    typeof x.serverName === "string" && typeof x.authorizationEndpoint === "string" &&
    x.authorizationEndpoint !== "" && typeof x.tokenEndpoint === "string" &&
    x.tokenEndpoint !== "" && optional(x.resourceUrl) && optional(x.authorizationServer) &&
    optional(x.providerName);
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

/** Docker's client entry for a server, decoded; undefined when absent or unusable. */
export async function readDockerClient(
  store: CredentialStore,
  serverName: string,
): Promise<DockerClient | undefined> {
  const entry = await store.get(dockerClientKey(serverName));
  const client = entry && decodeDocker<DockerClient>(entry.Secret);
  return isDockerClient(client) ? client : undefined;
}

/** Docker's token entry for a client entry, decoded; undefined when absent or unusable. */
export async function readDockerToken(
  store: CredentialStore,
  serverName: string,
  client: DockerClient,
): Promise<DockerToken | undefined> {
  const entry = await store.get(
    dockerTokenKey(client.authorizationEndpoint, client.providerName || serverName),
  );
  const token = entry && decodeDocker<DockerToken>(entry.Secret);
  return isDockerToken(token) ? token : undefined;
}

/**
 * Docker's token for this server when the gateway has written a newer one than `ours` (it
 * refreshed, rotating the refresh token, or signed in again), merged into our record; else
 * undefined. Only for the same authorization server and token endpoint; when Docker's client
 * entry names another client, that client (public, as the gateway registers them) comes along,
 * since a refresh token only works with the client it was issued to.
 * @see https://datatracker.ietf.org/doc/html/rfc9700#section-4.14.2
 */
export async function newerDockerToken(
  store: CredentialStore,
  serverName: string,
  ours: TokenRecord,
  now: number,
): Promise<TokenRecord | undefined> {
  const client = await readDockerClient(store, serverName);
  if (
    !client || client.tokenEndpoint !== ours.token_endpoint ||
    client.authorizationEndpoint !== (ours.authorization_endpoint ?? ours.issuer)
  ) {
    return undefined;
  }
  const token = await readDockerToken(store, serverName, client);
  if (!token || token.access_token === ours.access_token) return undefined;
  const expiry = dockerExpiry(token);
  // A later expiry is a later token: both tools take it from the same AS's expires_in.
  if ((expiry ?? Infinity) <= (ours.expires_at ?? -Infinity)) return undefined;
  const sameClient = client.clientId === ours.client_id;
  const next: TokenRecord = {
    ...ours,
    access_token: token.access_token,
    token_type: token.token_type || ours.token_type,
    refresh_token: token.refresh_token || undefined,
    expires_at: expiry,
    obtained_at: dockerObtainedAt(token, now),
  };
  if (!sameClient) {
    next.client_id = client.clientId;
    next.client_source = "docker";
    next.auth_method = "none";
    delete next.secret_key;
  }
  return next;
}

/**
 * Write (or update) Docker's entries for a token.
 *
 * With `client` (a sign-in), both entries are written, unless Docker's client entry names
 * another client and ours is not registered for Docker's redirect URI: replacing it would make
 * `docker mcp oauth authorize` reuse a client the AS refuses for its redirect
 * (invalid_redirect_uri), so both entries are left as Docker wrote them.
 *
 * A DPoP-bound token is never written (`dpop-bound`): the gateway cannot make its proofs.
 *
 * Without `client` (a refresh), only the token entry is updated, and only while Docker's client
 * entry names this token's client: after `docker mcp oauth revoke` deleted both, a token entry
 * alone would be an orphan the gateway cannot use, and a token of another client would break
 * the gateway's own refresh.
 */
export async function mirrorToDocker(
  store: CredentialStore,
  serverName: string,
  record: TokenRecord,
  client?: Parameters<typeof toDockerEntries>[2],
): Promise<Mirrored> {
  // Useless without proofs from a key the gateway does not hold (RFC 9449 §7).
  if (record.token_type.toLowerCase() === "dpop") return "dpop-bound";
  const [clientEntry, tokenEntry] = toDockerEntries(
    serverName,
    record,
    client ?? { client_id: record.client_id },
  );
  const docker = await readDockerClient(store, serverName);
  if (client) {
    const shared = client.redirect_uris?.includes(DOCKER_REDIRECT_URI) ?? false;
    // An entry with authorizationServer is one mcp-oauth wrote earlier: ours to replace.
    const gateways = docker && !docker.authorizationServer && docker.clientId !== client.client_id;
    if (gateways && !shared) return "kept-docker-client";
    if (docker && docker.authorizationEndpoint !== record.authorization_endpoint) {
      // The server moved to another AS: the old token entry would outlive its client entry.
      await store.erase(
        dockerTokenKey(docker.authorizationEndpoint, docker.providerName || serverName),
      );
    }
    await store.store(clientEntry!);
    await store.store(tokenEntry!);
    return "written";
  }
  if (
    !docker || docker.clientId !== record.client_id ||
    tokenEntry!.ServerURL !==
      dockerTokenKey(docker.authorizationEndpoint, docker.providerName || serverName)
  ) {
    return "no-docker-client";
  }
  await store.store(tokenEntry!);
  return "written";
}

/** Delete Docker's entries for a server: the token entry its client entry names, then the client. */
export async function eraseDockerMirror(
  store: CredentialStore,
  serverName: string,
  record?: TokenRecord,
): Promise<void> {
  const docker = await readDockerClient(store, serverName).catch(() => undefined);
  if (docker) {
    await store.erase(
      dockerTokenKey(docker.authorizationEndpoint, docker.providerName || serverName),
    );
  }
  if (record) {
    await store.erase(dockerTokenKey(record.authorization_endpoint ?? record.issuer, serverName));
  }
  await store.erase(dockerClientKey(serverName));
}
