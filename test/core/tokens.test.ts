import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { createHttpContext } from "../../src/core/http-context.ts";
import type { TokenRecord } from "../../src/core/records.ts";
import { refreshAheadMs, refreshTokenSet, tokenState } from "../../src/core/tokens.ts";
import { listen, type Listening } from "../helpers/listen.ts";

const http = createHttpContext();

function record(base: string, over: Partial<TokenRecord> = {}): TokenRecord {
  return {
    v: 1,
    resource: "http://127.0.0.1:1/mcp",
    issuer: base,
    token_endpoint: `${base}/token`,
    client_id: "client-1",
    auth_method: "none",
    send_resource: true,
    access_token: "old-access",
    token_type: "bearer",
    refresh_token: "old-refresh",
    scope: "mcp:read",
    expires_at: 1_000_000 + 3_600_000,
    obtained_at: 1_000_000,
    ...over,
  };
}

describe("token sets (S20, S21)", () => {
  let server: Listening;
  const seen: URLSearchParams[] = [];
  let reply: () => Response;

  before(async () => {
    const app = new Hono();
    app.post("/token", async (c) => {
      seen.push(new URLSearchParams(await c.req.text()));
      return reply();
    });
    server = await listen(app.fetch);
  });
  after(() => server.close());

  it("S20: absolute expiry from expires_in, and the old refresh token is kept when none is returned", async () => {
    reply = () =>
      Response.json({ access_token: "new-access", token_type: "Bearer", expires_in: 600 });
    const next = await refreshTokenSet(http, record(server.url), undefined, () => 5_000_000);
    assert.equal(next.access_token, "new-access");
    assert.equal(next.refresh_token, "old-refresh");
    assert.equal(next.expires_at, 5_000_000 + 600_000);
    assert.equal(next.obtained_at, 5_000_000);
    assert.equal(next.scope, "mcp:read");
    const sent = seen.at(-1)!;
    assert.equal(sent.get("grant_type"), "refresh_token");
    assert.equal(sent.get("refresh_token"), "old-refresh");
    assert.equal(sent.get("resource"), "http://127.0.0.1:1/mcp", "S13: resource on refresh");
    assert.equal(sent.get("client_id"), "client-1");
  });

  it("S20: a rotated refresh token replaces the old one", async () => {
    reply = () =>
      Response.json({
        access_token: "a2",
        token_type: "bearer",
        refresh_token: "r2",
        expires_in: 60,
        scope: "mcp:read mcp:write",
      });
    const next = await refreshTokenSet(http, record(server.url), undefined, () => 1);
    assert.equal(next.refresh_token, "r2");
    assert.equal(next.scope, "mcp:read mcp:write");
  });

  it("S13: no resource on refresh when it is turned off", async () => {
    reply = () => Response.json({ access_token: "a3", token_type: "bearer" });
    const next = await refreshTokenSet(
      http,
      record(server.url, { send_resource: false }),
      undefined,
      () => 1,
    );
    assert.equal(seen.at(-1)!.has("resource"), false);
    assert.equal(next.expires_at, undefined, "no expires_in: no expiry");
  });

  it("S21: invalid_grant means re-authorization", async () => {
    reply = () =>
      Response.json({ error: "invalid_grant", error_description: "grant request is invalid" }, {
        status: 400,
      });
    await assert.rejects(
      refreshTokenSet(http, record(server.url), undefined, () => 1),
      (e: unknown) => {
        assert.ok(e instanceof McpOAuthError);
        assert.equal(e.code, ErrorCode.REAUTHORIZATION_NEEDED);
        assert.match(e.message, /re-authorization needed/);
        assert.doesNotMatch(e.message, /old-refresh|old-access/, "S26");
        return true;
      },
    );
  });

  it("a 5xx is a token request failure that names the endpoint", async () => {
    reply = () => new Response("upstream broke", { status: 502 });
    await assert.rejects(
      refreshTokenSet(http, record(server.url), undefined, () => 1),
      (e: unknown) => {
        assert.ok(e instanceof McpOAuthError);
        assert.equal(e.code, ErrorCode.TOKEN_REQUEST_FAILED);
        assert.match(
          e.message,
          new RegExp(`Refreshing the token at ${server.url}/token failed \\(502`),
        );
        return true;
      },
    );
  });

  it("S20: without a refresh token, an expired token needs re-authorization", async () => {
    await assert.rejects(
      refreshTokenSet(http, record(server.url, { refresh_token: undefined }), undefined, () => 1),
      (e: unknown) => {
        assert.ok(e instanceof McpOAuthError);
        assert.equal(e.code, ErrorCode.REAUTHORIZATION_NEEDED);
        return true;
      },
    );
  });

  it("S20: refresh ahead of expiry: a minute, or a quarter of a short lifetime", () => {
    const hour = record("http://x", { obtained_at: 0, expires_at: 3_600_000 });
    assert.equal(refreshAheadMs(hour), 60_000);
    assert.equal(tokenState(hour, 3_600_000 - 60_001), "valid");
    assert.equal(tokenState(hour, 3_600_000 - 59_999), "refresh");
    assert.equal(tokenState(hour, 3_600_000), "expired");
    const short = record("http://x", { obtained_at: 0, expires_at: 4_000 });
    assert.equal(refreshAheadMs(short), 1_000);
    assert.equal(tokenState(short, 2_000), "valid");
    assert.equal(tokenState(short, 3_500), "refresh");
    assert.equal(
      tokenState(record("http://x", { expires_at: undefined }), Number.MAX_SAFE_INTEGER),
      "valid",
    );
  });
});
