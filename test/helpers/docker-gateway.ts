/**
 * Docker's MCP gateway (CE mode), played by a test: its credential entries written byte for
 * byte as its Go code writes them, and its sign-in and refresh against a real authorization
 * server. Written from reading docker/mcp-gateway at 2bd20fe8 (2026-07-23); no code copied:
 *
 * - pkg/oauth/dcr/credentials.go:23-36 — `dcr.Client`, field order and tags: every field but
 *   providerName, registeredAt and serverName is omitempty; `authorizationServer` is never set
 *   by the gateway (pkg/oauth/dcr/manager.go:91-103 builds the client without it), so it is
 *   absent. :56-77 — Secret = base64.StdEncoding(json.Marshal(client)), ServerURL
 *   `https://NAME.mcp-dcr`, Username `dcr_client`.
 * - pkg/oauth/token_store.go:29-54 — token entry: ServerURL `{authorizationEndpoint}/{providerName}`,
 *   Username `oauth2_{providerName}`, Secret = base64(json.Marshal(*oauth2.Token)).
 * - vendor/golang.org/x/oauth2/token.go:31-57 — oauth2.Token JSON: access_token,
 *   token_type (omitempty), refresh_token (omitempty), expiry (time.Time: RFC 3339 with
 *   nanoseconds and the local offset; omitempty does not omit a zero time), expires_in
 *   (omitempty); internal/token.go:300,317-318 — Expiry = now + expires_in, ExpiresIn kept.
 * - vendor/github.com/docker/mcp-gateway-oauth-helpers/dcr.go:13,52-156 — the DCR request: a
 *   public client for https://mcp.docker.com/oauth/callback; resourceUrl = discovery.ResourceURL,
 *   the PRM's resource or the origin (discovery.go:152-178).
 * - pkg/oauth/manager.go:60-177 — authorization with PKCE S256, `resource`, state
 *   `mcp-gateway:PORT:UUID`, the code exchanged with the verifier and `resource`.
 * - pkg/oauth/provider.go:308-352 — refresh: read the client and token entries, oauth2
 *   TokenSource (refresh_token grant, no `resource`; the old refresh token kept if none comes
 *   back), then save the token entry.
 * - internal/token.go:186-205 — a client without a secret ends up sending client_id in the body.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { signIn } from "./person.ts";
import { recordSecret } from "./secret-ledger.ts";

/** Docker's redirect URI in CE mode (mcp-gateway-oauth-helpers dcr.go:13). */
export const GATEWAY_REDIRECT_URI = "https://mcp.docker.com/oauth/callback";

/** One value of Go's encoding/json output (objects keep the insertion order: Go's field order). */
type GoValue = string | number | boolean | null | GoValue[] | { [k: string]: GoValue | undefined };

/**
 * json.Marshal: like JSON.stringify, but strings escape <, >, & (HTMLEscape), U+2028/U+2029
 * and control characters other than \n \r \t as \u00XX with lower-case hex, as Go does.
 * `undefined` members are left out (omitempty).
 */
export function goJson(value: GoValue): string {
  if (typeof value === "string") {
    let out = '"';
    for (const ch of value) {
      const c = ch.codePointAt(0)!;
      if (ch === '"') out += '\\"';
      else if (ch === "\\") out += "\\\\";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch === "\t") out += "\\t";
      else if (c < 0x20 || ch === "<" || ch === ">" || ch === "&" || c === 0x2028 || c === 0x2029) {
        out += `\\u${c.toString(16).padStart(4, "0")}`;
      } else out += ch;
    }
    return out + '"';
  }
  if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
  if (value && typeof value === "object") {
    const members = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${members.map(([k, v]) => `${goJson(k)}:${goJson(v!)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** base64.StdEncoding.EncodeToString(json.Marshal(value)). */
export function goSecret(value: GoValue): string {
  return Buffer.from(goJson(value), "utf8").toString("base64");
}

/**
 * A time.Time as JSON writes it (time.RFC3339Nano): the local wall clock of a zone `offsetMin`
 * minutes east of UTC, nanoseconds with trailing zeros dropped, "Z" for UTC. `ns` are the
 * nanoseconds below the millisecond JavaScript has (Go's clock has them all).
 */
export function goTime(ms: number, offsetMin = 0, ns = 456789): string {
  const local = new Date(ms + offsetMin * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const frac = `${p(local.getUTCMilliseconds(), 3)}${p(ns, 6)}`.replace(/0+$/, "");
  const off = Math.abs(offsetMin);
  const zone = offsetMin === 0
    ? "Z"
    : `${offsetMin < 0 ? "-" : "+"}${p(Math.floor(off / 60))}:${p(off % 60)}`;
  return `${local.getUTCFullYear()}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())}T${
    p(local.getUTCHours())
  }:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}${frac ? `.${frac}` : ""}${zone}`;
}

/** The fields of dcr.Client the gateway sets, as it sets them. */
export interface GatewayClient {
  authorizationEndpoint: string;
  clientId: string;
  serverName: string;
  registeredAt: number;
  requiredScopes?: string[];
  resourceUrl?: string;
  scopesSupported?: string[];
  tokenEndpoint: string;
  /** Offset of the gateway machine's zone, minutes east of UTC. */
  zoneOffsetMin?: number;
}

/** The client entry, {ServerURL, Username, Secret}, exactly as credentials.go stores it. */
export function gatewayClientEntry(c: GatewayClient) {
  return {
    ServerURL: `https://${c.serverName}.mcp-dcr`,
    Username: "dcr_client",
    Secret: goSecret({
      authorizationEndpoint: c.authorizationEndpoint,
      clientId: c.clientId,
      clientName: `MCP Gateway - ${c.serverName}`,
      providerName: c.serverName,
      redirectUri: GATEWAY_REDIRECT_URI,
      registeredAt: goTime(c.registeredAt, c.zoneOffsetMin ?? 0),
      requiredScopes: c.requiredScopes?.length ? c.requiredScopes : undefined,
      resourceUrl: c.resourceUrl || undefined,
      scopesSupported: c.scopesSupported?.length ? c.scopesSupported : undefined,
      serverName: c.serverName,
      tokenEndpoint: c.tokenEndpoint,
    }),
  };
}

/** An oauth2.Token as the gateway holds it after a token response received at `receivedAt`. */
export interface GatewayToken {
  access_token: string;
  token_type?: string;
  refresh_token?: string;
  expires_in?: number;
  receivedAt: number;
}

/** The token entry, exactly as token_store.go stores it. */
export function gatewayTokenEntry(c: GatewayClient, t: GatewayToken) {
  return {
    ServerURL: `${c.authorizationEndpoint}/${c.serverName}`,
    Username: `oauth2_${c.serverName}`,
    Secret: goSecret({
      access_token: t.access_token,
      token_type: t.token_type || undefined,
      refresh_token: t.refresh_token || undefined,
      // A zero time.Time is still written: "0001-01-01T00:00:00Z".
      expiry: t.expires_in
        ? goTime(t.receivedAt + t.expires_in * 1000, c.zoneOffsetMin ?? 0)
        : "0001-01-01T00:00:00Z",
      expires_in: t.expires_in || undefined,
    }),
  };
}

/** What the gateway learnt from discovery and needs for DCR. */
export interface GatewayDiscovery {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint: string;
  resourceUrl: string;
  scopes: string[];
}

/**
 * `docker mcp oauth authorize NAME` in CE mode, against a real AS: DCR as the gateway registers,
 * the authorization request with PKCE and `resource` (the scripted person signs in and consents;
 * mcp.docker.com's relay is not involved: the code is taken from the redirect), the exchange.
 */
export async function gatewaySignIn(
  serverName: string,
  d: GatewayDiscovery,
  zoneOffsetMin = 0,
): Promise<{ client: GatewayClient; token: GatewayToken }> {
  const reg = await fetch(d.registrationEndpoint, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      client_name: `MCP Gateway - ${serverName}`,
      redirect_uris: [GATEWAY_REDIRECT_URI],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      client_uri: "https://github.com/docker/mcp-gateway",
      contacts: ["support@docker.com"],
    }),
  });
  if (reg.status !== 201 && reg.status !== 200) {
    throw new Error(`gateway DCR failed: ${reg.status} ${await reg.text()}`);
  }
  const { client_id } = await reg.json() as { client_id: string };
  const client: GatewayClient = {
    authorizationEndpoint: d.authorizationEndpoint,
    clientId: client_id,
    serverName,
    registeredAt: Date.now(),
    requiredScopes: d.scopes,
    resourceUrl: d.resourceUrl,
    tokenEndpoint: d.tokenEndpoint,
    zoneOffsetMin,
  };
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(d.authorizationEndpoint);
  url.search = new URLSearchParams({
    access_type: "offline",
    client_id,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    redirect_uri: GATEWAY_REDIRECT_URI,
    resource: d.resourceUrl,
    response_type: "code",
    scope: d.scopes.join(" "),
    state: `mcp-gateway:45678:${randomUUID()}`,
  }).toString();
  const { callbackUrl } = await signIn(url.href, { stopAtCallback: true });
  const code = new URL(callbackUrl).searchParams.get("code");
  if (!code) throw new Error(`no code in the redirect: ${new URL(callbackUrl).search}`);
  const token = await tokenRequest(d.tokenEndpoint, {
    grant_type: "authorization_code",
    code,
    redirect_uri: GATEWAY_REDIRECT_URI,
    code_verifier: verifier,
    resource: d.resourceUrl,
    client_id,
  });
  return { client, token };
}

/** The gateway's refresh (provider.go refreshTokenCE): refresh_token grant, no `resource`. */
export async function gatewayRefresh(
  client: Pick<GatewayClient, "clientId" | "tokenEndpoint">,
  refreshToken: string,
): Promise<GatewayToken> {
  const next = await tokenRequest(client.tokenEndpoint, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: client.clientId,
  });
  // golang.org/x/oauth2 keeps the old refresh token when the response has none.
  return { ...next, refresh_token: next.refresh_token || refreshToken };
}

async function tokenRequest(endpoint: string, body: Record<string, string>): Promise<GatewayToken> {
  const receivedAt = Date.now();
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(body),
  });
  const json = await res.json() as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`gateway token request failed: ${JSON.stringify(json)}`);
  recordSecret("access_token", json.access_token);
  recordSecret("refresh_token", json.refresh_token);
  return {
    access_token: json.access_token as string,
    token_type: json.token_type as string | undefined,
    refresh_token: json.refresh_token as string | undefined,
    expires_in: json.expires_in as number | undefined,
    receivedAt,
  };
}
