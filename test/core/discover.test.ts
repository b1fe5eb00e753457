import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { discover } from "../../src/core/discover.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { createHttpContext } from "../../src/core/http-context.ts";
import { type Layout, type LayoutOptions, startLayout } from "../fixtures/layouts.ts";

const http = createHttpContext();
const started: Layout[] = [];
async function layout(options: LayoutOptions): Promise<Layout> {
  const l = await startLayout(options);
  started.push(l);
  return l;
}
after(() => Promise.all(started.map((l) => l.close())));

function used(d: Awaited<ReturnType<typeof discover>>, kind: string) {
  return d.trace.steps.filter((s) => s.kind === kind && s.outcome === "used").map((s) =>
    new URL(s.url).pathname
  );
}

describe("discovery layouts (S1, S2, S5)", () => {
  it("S1: PRM only reachable through the 401 header's resource_metadata", async () => {
    const l = await layout({ prm: "header" });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.prmUrl, `${l.url}/meta/prm`);
    assert.equal(d.issuer, l.issuer);
    assert.deepEqual(used(d, "prm"), ["/meta/prm"]);
    // Round 1: probe + both well-known PRM URLs; round 2: the header's URL; round 3: AS metadata.
    assert.equal(d.trace.rounds, 3);
    assert.equal(d.resource, l.mcpUrl);
  });

  it("S2: path-inserted PRM is preferred over the root one", async () => {
    const l = await layout({ prm: "path" });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.prmUrl, `${l.url}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(d.trace.rounds, 2);
  });

  it("S2: root PRM is used when there is no path-inserted one", async () => {
    const l = await layout({ prm: "root" });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.prmUrl, `${l.url}/.well-known/oauth-protected-resource`);
    // The root is asked only after the path-inserted URL failed: one round more.
    assert.equal(d.trace.rounds, 3);
  });

  it("S1: a header URL that equals a well-known URL is not fetched twice", async () => {
    const l = await layout({ prm: "path", advertise: true });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.prmUrl, `${l.url}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(
      l.log.filter((r) => r.path === "/.well-known/oauth-protected-resource/mcp").length,
      1,
    );
    assert.equal(d.trace.rounds, 2);
  });

  it("S5: issuer with a path via RFC 8414 path insertion", async () => {
    const l = await layout({ prm: "root", issuerPath: "/t1", metadata: ["oauth-insert"] });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.issuer, `${l.url}/t1`);
    assert.equal(d.asMetadataUrl, `${l.url}/.well-known/oauth-authorization-server/t1`);
  });

  it("S5: issuer with a path via OpenID path insertion (OpenID-only metadata)", async () => {
    const l = await layout({ prm: "path", issuerPath: "/t1", metadata: ["oidc-insert"] });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.asMetadataUrl, `${l.url}/.well-known/openid-configuration/t1`);
  });

  it("S5: issuer with a path via OpenID appended", async () => {
    const l = await layout({ prm: "header", issuerPath: "/t1", metadata: ["oidc-append"] });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.asMetadataUrl, `${l.url}/t1/.well-known/openid-configuration`);
  });

  it("S5: issuer without a path: RFC 8414 first, then OpenID", async () => {
    const both = await layout({ prm: "path", metadata: ["oidc-append", "oauth-insert"] });
    const d1 = await discover(http, both.mcpUrl);
    assert.equal(d1.asMetadataUrl, `${both.url}/.well-known/oauth-authorization-server`);
    assert.ok(d1.trace.steps.some((s) => s.kind === "as-metadata" && s.outcome === "ignored"));
    const oidc = await layout({ prm: "path", metadata: ["oidc-append"] });
    const d2 = await discover(http, oidc.mcpUrl);
    assert.equal(d2.asMetadataUrl, `${oidc.url}/.well-known/openid-configuration`);
  });

  it("S5: all three issuer-path URLs are tried, in order, in one round", async () => {
    const l = await layout({ prm: "path", issuerPath: "/t1", metadata: ["oidc-append"] });
    const d = await discover(http, l.mcpUrl);
    const asSteps = d.trace.steps.filter((s) => s.kind === "as-metadata");
    assert.deepEqual(asSteps.map((s) => s.round), [2, 2, 2]);
    assert.deepEqual(
      asSteps.map((s) => new URL(s.url).pathname).sort(),
      [
        "/.well-known/oauth-authorization-server/t1",
        "/.well-known/openid-configuration/t1",
        "/t1/.well-known/openid-configuration",
      ].sort(),
    );
  });
});

describe("discovery checks (S3, S6, S7, S8)", () => {
  it("S3: PRM for another resource stops discovery", async () => {
    const l = await layout({ prm: "path", prmResource: "https://evil.example/mcp" });
    await assert.rejects(discover(http, l.mcpUrl), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.RESOURCE_MISMATCH);
      assert.match(err.message, /evil\.example/);
      return true;
    });
  });

  it("S3: a trailing slash alone is not a mismatch", async () => {
    const l = await layout({ prm: "path", prmResource: "{origin}/mcp/" });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.resource, l.mcpUrl);
    const d2 = await discover(http, `${l.mcpUrl}/`);
    assert.equal(d2.resource, l.mcpUrl);
  });

  it("S3: a PRM that exists but is malformed stops discovery instead of falling back to S7", async () => {
    const l = await layout({ prm: "path", prmResource: "not a url" });
    await assert.rejects(discover(http, l.mcpUrl), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.DISCOVERY_FAILED);
      assert.match(err.message, /oauth-protected-resource\/mcp/);
      return true;
    });
  });

  it("S4: the first of PRM's authorization servers, unless one is configured", async () => {
    const l = await layout({
      prm: "path",
      issuerPath: "/t1",
      authorizationServers: ["{origin}/t1", "{origin}/t2"],
      metadata: ["oauth-insert"],
    });
    const first = await discover(http, l.mcpUrl);
    assert.equal(first.issuer, `${l.url}/t1`);
    // The layout serves metadata only for /t1: choosing /t2 shows the configured one was used.
    await assert.rejects(
      discover(http, l.mcpUrl, { authorizationServer: `${l.url}/t2` }),
      (err: unknown) => {
        assert.ok(err instanceof McpOAuthError);
        assert.equal(err.code, ErrorCode.DISCOVERY_FAILED);
        assert.match(
          err.message,
          /No authorization server metadata for http:\/\/127\.0\.0\.1:\d+\/t2/,
        );
        return true;
      },
    );
    await assert.rejects(
      discover(http, l.mcpUrl, { authorizationServer: "https://elsewhere.example" }),
      (err: unknown) => {
        assert.ok(err instanceof McpOAuthError);
        assert.match(err.message, /is not among those listed/);
        return true;
      },
    );
  });

  it("S6: metadata whose issuer differs is not used", async () => {
    const l = await layout({ prm: "path", metadataIssuer: "https://other.example" });
    await assert.rejects(discover(http, l.mcpUrl), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.ISSUER_MISMATCH);
      assert.match(err.message, /other\.example/);
      return true;
    });
  });

  it("S7: no PRM: the server's origin is the AS, metadata from the origin", async () => {
    const l = await layout({ prm: "none" });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.legacy, true);
    assert.equal(d.issuer, l.url);
    assert.equal(d.asMetadataUrl, `${l.url}/.well-known/oauth-authorization-server`);
  });

  it("S7: no PRM and no metadata: default endpoints", async () => {
    const l = await layout({ prm: "none", metadata: [] });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.legacy, true);
    assert.equal(d.asMetadataUrl, undefined);
    assert.equal(d.as.authorization_endpoint, `${l.url}/authorize`);
    assert.equal(d.as.token_endpoint, `${l.url}/token`);
    assert.equal(d.as.registration_endpoint, `${l.url}/register`);
  });

  it("S2: the root PRM is never asked for while the path-inserted one answers, however slowly", async () => {
    // Both PRM documents are valid; the preferred path-inserted one is slow. The conformance
    // suite fails a client that asks for the root here (RFC 9728 §3.1 path insertion).
    const slow = "/.well-known/oauth-protected-resource/mcp";
    const l = await layout({ prm: "both", delayMs: (p) => (p === slow ? 150 : 5) });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.prmUrl, `${l.url}${slow}`);
    assert.equal(
      l.log.filter((r) => r.path === "/.well-known/oauth-protected-resource").length,
      0,
      "root PRM not requested",
    );
    // The unauthenticated probe ran beside the path-inserted PRM request (S8).
    const slowEntry = l.log.find((r) => r.path === slow)!;
    const probe = l.log.find((r) => r.path === "/mcp")!;
    assert.ok(probe.at < slowEntry.done && probe.done < slowEntry.done, "round 1 ran in parallel");
  });

  it("S8: AS metadata candidates run in parallel but the preferred answer wins even when slower", async () => {
    const m = await layout({
      prm: "path",
      metadata: ["oauth-insert", "oidc-append"],
      delayMs: (p) => (p === "/.well-known/oauth-authorization-server" ? 150 : 0),
    });
    const d2 = await discover(http, m.mcpUrl);
    assert.equal(d2.asMetadataUrl, `${m.url}/.well-known/oauth-authorization-server`);
  });

  it("S8: with a fixed delay, discovery takes the minimum number of sequential rounds", async () => {
    const delay = 60;
    const l = await layout({ prm: "path", delayMs: delay });
    const t0 = performance.now();
    const d = await discover(http, l.mcpUrl);
    const elapsed = performance.now() - t0;
    assert.equal(d.trace.rounds, 2);
    assert.ok(
      elapsed >= 2 * delay && elapsed < 3 * delay + 100,
      `took ${elapsed} ms for 2 rounds of ${delay} ms`,
    );
  });

  it("S24: plain http to a non-loopback host is refused before any request", async () => {
    await assert.rejects(discover(http, "http://mcp.example.com/mcp"), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.INSECURE_URL);
      return true;
    });
  });

  it("S18: metadata naming a javascript: authorization endpoint is refused", async () => {
    const l = await layout({
      prm: "path",
      extraMetadata: { authorization_endpoint: "javascript:alert(1)" },
    });
    await assert.rejects(discover(http, l.mcpUrl), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.INSECURE_URL);
      assert.match(err.message, /javascript:/);
      return true;
    });
  });

  it("the trace names every request with its status and never a secret", async () => {
    const l = await layout({ prm: "header", issuerPath: "/t1", metadata: ["oidc-append"] });
    const d = await discover(http, l.mcpUrl);
    assert.equal(d.trace.requests, l.log.length);
    for (const s of d.trace.steps.filter((x) => x.method !== "-")) {
      assert.ok(l.log.some((r) => r.path === new URL(s.url).pathname), `${s.url} was requested`);
    }
  });
});
