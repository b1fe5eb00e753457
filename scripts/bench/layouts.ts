/**
 * The benchmark's copy of test/fixtures/layouts.ts, cut to what the discovery benchmark needs
 * and extended with a working dynamic client registration endpoint: one loopback Hono origin
 * plays the MCP server (401 + PRM) and the authorization server (metadata + DCR answering 201
 * with a client_id), with the same fixed delay on every answer. It logs every request with
 * its start and end in ms since the first request the server saw.
 *
 * @module
 */
import { Hono } from "hono";
import { listen, type Listening } from "../../test/helpers/listen.ts";

/** Where protected resource metadata is served. */
export type PrmLayout = "header" | "path" | "root";
/** Where AS metadata is served. */
export type MetadataLayout = "oauth-insert" | "oidc-insert" | "oidc-append";

/** Options of {@link startBenchLayout}. */
export interface BenchLayoutOptions {
  /** "header": only at /meta/prm, named by the 401's resource_metadata. */
  prm: PrmLayout;
  /** Issuer path such as "/t1"; default none. */
  issuerPath?: string;
  /** Metadata documents to serve; default ["oauth-insert"]. */
  metadata?: MetadataLayout[];
  /** Delay every answer by this many ms. */
  delayMs: number;
}

/** A running layout server. */
export interface BenchLayout extends Listening {
  mcpUrl: string;
  issuer: string;
  /** Every request seen: method, path, status, start and end in ms since the first request. */
  log: { method: string; path: string; status: number; at: number; done: number }[];
}

/** Start a layout server on 127.0.0.1. */
export async function startBenchLayout(options: BenchLayoutOptions): Promise<BenchLayout> {
  const app = new Hono();
  const log: BenchLayout["log"] = [];
  let t0: number | undefined;
  let origin = "";
  let clients = 0;
  const issuerPath = options.issuerPath ?? "";
  const metadata = options.metadata ?? ["oauth-insert"];

  app.use(async (c, next) => {
    const start = performance.now();
    t0 ??= start;
    const path = new URL(c.req.url).pathname;
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    await next();
    log.push({
      method: c.req.method,
      path,
      status: c.res.status,
      at: start - t0,
      done: performance.now() - t0,
    });
  });

  const prm = () => ({
    resource: `${origin}/mcp`,
    authorization_servers: [`${origin}${issuerPath}`],
    scopes_supported: ["mcp:read", "mcp:write"],
  });
  const asMetadata = () => ({
    issuer: `${origin}${issuerPath}`,
    authorization_endpoint: `${origin}${issuerPath}/authorize`,
    token_endpoint: `${origin}${issuerPath}/token`,
    registration_endpoint: `${origin}${issuerPath}/register`,
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    token_endpoint_auth_methods_supported: ["none"],
    code_challenge_methods_supported: ["S256"],
    // Required by OpenID discovery (the SDK validates them on openid-configuration).
    jwks_uri: `${origin}${issuerPath}/jwks`,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  });

  const prmPath = {
    header: "/meta/prm",
    path: "/.well-known/oauth-protected-resource/mcp",
    root: "/.well-known/oauth-protected-resource",
  }[options.prm];
  app.post("/mcp", (c) => {
    if (options.prm === "header") {
      c.header("WWW-Authenticate", `Bearer resource_metadata="${origin}${prmPath}"`);
    } else c.header("WWW-Authenticate", "Bearer");
    return c.json({ error: "unauthorized" }, 401);
  });
  app.get(prmPath, (c) => c.json(prm()));
  const metadataPaths: Record<MetadataLayout, string> = {
    "oauth-insert": `/.well-known/oauth-authorization-server${issuerPath}`,
    "oidc-insert": `/.well-known/openid-configuration${issuerPath}`,
    "oidc-append": `${issuerPath}/.well-known/openid-configuration`,
  };
  for (const m of metadata) app.get(metadataPaths[m], (c) => c.json(asMetadata()));
  app.post(`${issuerPath}/register`, async (c) => {
    const body = await c.req.json() as Record<string, unknown>;
    return c.json({
      ...body,
      client_id: `bench-client-${++clients}`,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      token_endpoint_auth_method: "none",
    }, 201);
  });

  const server = await listen(app.fetch);
  origin = server.url;
  return { ...server, mcpUrl: `${origin}/mcp`, issuer: `${origin}${issuerPath}`, log };
}
