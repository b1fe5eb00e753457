/**
 * A hostile MCP server and authorization server on one loopback origin, for the attack tests:
 * every answer is sane until the test overrides part of it (metadata, protected resource
 * metadata, the 401 challenge, the registration, token and device answers, what the MCP endpoint
 * returns to a bearer). Every request is logged.
 *
 * @module
 */
import { Hono } from "hono";
import { listen, type Listening } from "../helpers/listen.ts";

/** A running hostile server; change its fields between requests. */
export interface Hostile extends Listening {
  /** `${url}/mcp`. */
  mcpUrl: string;
  /** AS metadata fields that override the sane defaults. */
  metadata: Record<string, unknown>;
  /** Protected resource metadata fields that override the defaults. */
  prm: Record<string, unknown>;
  /** Extra parameters of the 401 challenge, e.g. `scope="x"`. */
  challenge: string;
  /** Fields that override the registration answer. */
  registration: Record<string, unknown>;
  /** The token endpoint's answer. */
  token: { status: number; body: Record<string, unknown> };
  /** The device authorization response. */
  device: Record<string, unknown>;
  /** What the MCP endpoint answers a request with a bearer token (default: the 401). */
  mcp?: (req: Request) => Response;
  /** Requests, as "METHOD /path", in order. */
  log: string[];
}

/** Start a {@link Hostile} server on 127.0.0.1. */
export async function startHostile(): Promise<Hostile> {
  const app = new Hono();
  const h = {
    metadata: {},
    prm: {},
    challenge: "",
    registration: {},
    token: { status: 400, body: { error: "invalid_grant" } },
    device: {},
    log: [] as string[],
  } as unknown as Hostile;
  let origin = "";
  app.use(async (c, next) => {
    h.log.push(`${c.req.method} ${new URL(c.req.url).pathname}`);
    await next();
  });
  app.all("/mcp", (c) => {
    if (h.mcp && c.req.header("authorization")?.startsWith("Bearer ")) return h.mcp(c.req.raw);
    c.header(
      "WWW-Authenticate",
      `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"${
        h.challenge ? `, ${h.challenge}` : ""
      }`,
    );
    return c.json({ error: "unauthorized" }, 401);
  });
  app.get(
    "/.well-known/oauth-protected-resource/mcp",
    (c) => c.json({ resource: `${origin}/mcp`, authorization_servers: [origin], ...h.prm }),
  );
  app.get("/.well-known/oauth-authorization-server", (c) =>
    c.json({
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      registration_endpoint: `${origin}/register`,
      device_authorization_endpoint: `${origin}/device`,
      response_types_supported: ["code"],
      grant_types_supported: [
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
      ],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none"],
      ...h.metadata,
    }));
  app.post("/register", async (c) => {
    const body = await c.req.json();
    return c.json(
      {
        ...body,
        client_id: "hostile-client",
        token_endpoint_auth_method: "none",
        ...h.registration,
      },
      201,
    );
  });
  app.post("/token", (c) => c.json(h.token.body, h.token.status as 400));
  app.post("/device", (c) =>
    c.json({
      device_code: "hostile-device-code-0123456789",
      user_code: "WDJB-MJHT",
      verification_uri: `${origin}/activate`,
      expires_in: 600,
      interval: 1,
      ...h.device,
    }));
  const server = await listen(app.fetch);
  origin = server.url;
  return Object.assign(h, server, { mcpUrl: `${origin}/mcp` });
}
