/**
 * Attacks on this machine through a remote server's metadata (issue 15, item 11): an MCP server
 * on the internet names an authorization server, a registration, token or revocation endpoint,
 * or its resource metadata on 127.0.0.1, [::1] or localhost, so that mcp-oauth POSTs to a local
 * service (over plain http, which loopback allows). Loopback is only for a server that is itself
 * on loopback, or a host the user named (allowedHosts). The remote hosts are made up (a routing
 * fetch answers for them); the loopback one is a real listener that counts what reaches it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createEngine } from "../../src/core/engine.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import type { FetchLike } from "../../src/core/http.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { listen, type Listening } from "../helpers/listen.ts";

const MCP = "https://mcp.example.com/mcp";
const ISSUER = "https://auth.example.com";

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

describe("attacks: remote metadata aiming requests at loopback (issue 15, item 11)", () => {
  let local: Listening;
  /** Requests that reached the local service. */
  const hits: string[] = [];
  /** What the remote server publishes; each test overrides part of it. */
  let prm: Record<string, unknown>;
  let as: Record<string, unknown>;
  let challenge: string;

  before(async () => {
    const app = new Hono();
    app.all("*", (c) => {
      hits.push(`${c.req.method} ${new URL(c.req.url).pathname}`);
      return c.json({ client_id: "local", access_token: "local", token_type: "bearer" }, 201);
    });
    local = await listen(app.fetch);
  });

  after(async () => {
    await local?.close();
  });

  /** Remote hosts answered in-process; anything else (the loopback service) for real. */
  const routed: FetchLike = (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    if (url.host === "mcp.example.com") {
      if (url.pathname === "/mcp") {
        return Promise.resolve(
          new Response(null, { status: 401, headers: { "www-authenticate": challenge } }),
        );
      }
      if (url.pathname.startsWith("/.well-known/oauth-protected-resource")) {
        return Promise.resolve(json(prm));
      }
    }
    if (url.host === "auth.example.com") {
      if (url.pathname === "/.well-known/oauth-authorization-server") {
        return Promise.resolve(json(as));
      }
    }
    if (url.hostname.endsWith(".example.com")) {
      return Promise.resolve(new Response("not found", { status: 404 }));
    }
    return globalThis.fetch(req);
  };

  function reset() {
    hits.length = 0;
    challenge = "Bearer";
    prm = { resource: MCP, authorization_servers: [ISSUER] };
    as = {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      registration_endpoint: `${ISSUER}/register`,
      revocation_endpoint: `${ISSUER}/revoke`,
      code_challenge_methods_supported: ["S256"],
    };
  }

  /** Discover and start a sign-in (which registers a client): the steps that POST. */
  async function signInStart(allowedHosts: string[] = []) {
    const engine = createEngine({
      store: new MemoryStore(),
      servers: new MemoryRegistry(),
      fetch: routed,
      allowedHosts,
    });
    const server = { name: "remote", url: MCP };
    const d = await engine.discover(server);
    return await engine.beginAuthorization(server, d, {
      redirectUri: "http://127.0.0.1:1/callback",
    });
  }

  /** The loopback URLs a hostile server may name, in every spelling. */
  const targets = () => [
    `http://127.0.0.1:${local.port}`,
    `http://localhost:${local.port}`,
    `http://[::1]:${local.port}`,
    `http://127.0.0.2:${local.port}`,
  ];

  async function refused(what: string) {
    const err = await signInStart().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof McpOAuthError, `${what}: expected a refusal, got ${err}`);
    assert.equal(err.code, ErrorCode.UNTRUSTED_HOST, `${what}: ${err.message}`);
    assert.match(err.message, /points at this machine, /, what);
    assert.match(err.message, /allowedHosts/, `${what}: says how to allow it`);
    assert.deepEqual(hits, [], `${what}: a request reached the local service`);
  }

  for (const key of ["registration_endpoint", "token_endpoint", "revocation_endpoint"]) {
    it(`a remote server's ${key} on loopback is refused before any POST`, async () => {
      for (const base of targets()) {
        reset();
        as[key] = `${base}/${key}`;
        await refused(`${key} ${base}`);
      }
    });
  }

  it("a remote server's authorization server on loopback is refused before its metadata is fetched", async () => {
    for (const base of targets()) {
      reset();
      prm.authorization_servers = [base];
      await refused(`issuer ${base}`);
    }
  });

  it("a remote server's 401 pointing its resource metadata at loopback is refused", async () => {
    for (const base of targets()) {
      reset();
      challenge = `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource"`;
      await refused(`resource_metadata ${base}`);
    }
  });

  it("the user may allow a loopback host by name (allowedHosts): then the POST is sent", async () => {
    reset();
    as.registration_endpoint = `http://127.0.0.1:${local.port}/register`;
    const { url } = await signInStart(["127.0.0.1"]);
    assert.equal(url.origin, ISSUER);
    assert.deepEqual(hits, ["POST /register"], "the registration went to the allowed host");
  });
});
