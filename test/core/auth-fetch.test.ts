import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { tokenKey } from "../../src/core/records.ts";
import type { FetchLike } from "../../src/core/http.ts";
import type { ServerDefinition } from "../../src/store/server-registry.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { type Harness, harness } from "../helpers/engine-harness.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { signIn } from "../helpers/person.ts";

/** An authorize callback that signs in with the scripted person and records each call. */
function authorizer(h: Harness) {
  const calls: { scopes?: string[]; reason: string }[] = [];
  const authorize = async (
    server: ServerDefinition,
    scopes: string[] | undefined,
    reason: string,
  ) => {
    calls.push({ scopes, reason });
    const d = await h.engine.discover(server);
    const { url } = await h.engine.beginAuthorization(server, d, {
      redirectUri: h.redirectUri,
      scopes,
      stepUp: !!scopes,
    });
    await signIn(url.href);
    const outcome = h.outcomes.at(-1)!;
    if (!outcome.ok) throw new Error(outcome.message);
  };
  return { calls, authorize };
}

async function session<T>(
  url: string,
  fetch: FetchLike,
  use: (c: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ name: "test", version: "0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch }));
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

describe("authFetch against oidc-provider and the MCP SDK server", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let stubborn: McpTestServer;
  let h: Harness;

  before(async () => {
    as = await startAuthorizationServer({ accessTokenTTL: 2 });
    mcp = await startMcpServer({
      issuer: as.issuer,
      introspect: as.introspect,
      toolScopes: { add: "mcp:write" },
    });
    stubborn = await startMcpServer({
      issuer: as.issuer,
      introspect: as.introspect,
      alwaysForbidden: "mcp:read mcp:admin",
    });
    h = await harness();
  });
  after(async () => {
    await h.close();
    await mcp.close();
    await stubborn.close();
    await as.close();
  });

  it("S19/S20: signs in when there is no token, then lists tools, and survives expiry mid-session", async () => {
    const server = { name: "mcp", url: mcp.url, scopes: ["mcp:read"] };
    await h.servers.put(server);
    const { calls, authorize } = authorizer(h);
    const fetch = h.engine.authFetch(server, { authorize });
    await session(mcp.url, fetch, async (client) => {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === "echo"));
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.reason, "no valid token");
      const refreshes = as.counts.refresh;
      await new Promise((r) => setTimeout(r, 2100));
      const echoed = await client.callTool({ name: "echo", arguments: { text: "after expiry" } });
      assert.deepEqual(echoed.content, [{ type: "text", text: "after expiry" }]);
      assert.equal(as.counts.refresh, refreshes + 1, "refreshed, not signed in again");
      assert.equal(calls.length, 1);
    });
  });

  it("S22: a 403 insufficient_scope triggers one sign-in with the union of scopes", async () => {
    const server = (await h.servers.get("mcp"))!;
    const { calls, authorize } = authorizer(h);
    const fetch = h.engine.authFetch(server, { authorize });
    const result = await session(
      mcp.url,
      fetch,
      (c) => c.callTool({ name: "add", arguments: { a: 2, b: 3 } }),
    );
    assert.deepEqual(result.content, [{ type: "text", text: "5" }]);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.scopes?.sort(), ["mcp:read", "mcp:write"]);
    assert.deepEqual((await h.engine.heldScopes(server)).sort(), ["mcp:read", "mcp:write"]);
    assert.deepEqual(
      (await h.servers.get("mcp"))!.scopes,
      ["mcp:read"],
      "step-up scopes are not saved as the user's",
    );
  });

  it("S20: a token the server refuses is refreshed once and the request retried", async () => {
    const server = (await h.servers.get("mcp"))!;
    // The server stops accepting the stored access token (say, it was revoked there).
    const key = tokenKey(as.issuer, mcp.url);
    const stored = (await h.store.get(key))!;
    const record = JSON.parse(stored.Secret);
    await h.store.store({
      ...stored,
      Secret: JSON.stringify({ ...record, access_token: "no-longer-valid" }),
    });
    const refreshes = as.counts.refresh;
    const { calls, authorize } = authorizer(h);
    const result = await session(
      mcp.url,
      h.engine.authFetch(server, { authorize }),
      (c) => c.listTools(),
    );
    assert.ok(result.tools.length > 0);
    assert.deepEqual(calls, [], "no sign-in was needed");
    assert.equal(as.counts.refresh, refreshes + 1);
    assert.equal(calls.length, 0, "no sign-in was needed");
  });

  it("S22: a server that always answers 403 stops after 3 sign-ins with a clear error", async () => {
    const server = { name: "stubborn", url: stubborn.url };
    await h.servers.put(server);
    const { calls, authorize } = authorizer(h);
    await assert.rejects(
      session(stubborn.url, h.engine.authFetch(server, { authorize }), (c) => c.listTools()),
      (e: unknown) => {
        let err = e;
        while (err instanceof Error && !(err instanceof McpOAuthError) && err.cause) {
          err = err.cause;
        }
        assert.ok(err instanceof McpOAuthError, String(e));
        assert.equal(err.code, ErrorCode.INSUFFICIENT_SCOPE);
        assert.match(
          err.message,
          /still answers 403 insufficient_scope \(wants "mcp:read mcp:admin"\) after 3 sign-ins for one request, so mcp-oauth stopped/,
        );
        return true;
      },
    );
    // One sign-in for the missing token and two step-ups: three in all, the bound.
    assert.equal(calls.length, 3);
  });

  it("without an authorize callback, a missing token is REAUTHORIZATION_NEEDED", async () => {
    const server = { name: "nobody", url: mcp.url.replace("/mcp", "/mcp?x=1") };
    await assert.rejects(
      h.engine.authFetch(server)(server.url, { method: "POST", body: "{}" }),
      (e: unknown) => {
        assert.ok(e instanceof McpOAuthError);
        assert.equal(e.code, ErrorCode.REAUTHORIZATION_NEEDED);
        return true;
      },
    );
  });
});

describe("authFetch never leaks the token (S19)", () => {
  let other: Listening;
  const seen: (string | null)[] = [];
  before(async () => {
    const app = new Hono();
    app.all("*", (c) => {
      seen.push(c.req.header("authorization") ?? null);
      return c.text("ok");
    });
    other = await listen(app.fetch);
  });
  after(() => other.close());

  it("requests to another origin go out without the Authorization header", async () => {
    const h = await harness();
    try {
      const server = { name: "s", url: "http://127.0.0.1:1/mcp", issuer: "http://127.0.0.1:1" };
      let asked = 0;
      const f = h.engine.authFetch(server, {
        authorize: () => {
          asked++;
          return Promise.resolve();
        },
      });
      const res = await f(`${other.url}/elsewhere`, { headers: { "x-test": "1" } });
      assert.equal(await res.text(), "ok");
      assert.deepEqual(seen, [null]);
      assert.equal(asked, 0, "no token was even looked up");
    } finally {
      await h.close();
    }
  });
});
