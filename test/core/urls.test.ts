import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import {
  assertAllowedUrl,
  authorizationServerMetadataUrls,
  canonicalResource,
  isLoopbackHost,
  protectedResourceMetadataUrls,
} from "../../src/core/urls.ts";

describe("URL rules", () => {
  it("S2: PRM URLs, path-inserted first, then root", () => {
    assert.deepEqual(protectedResourceMetadataUrls(new URL("https://mcp.example.com/v1/mcp")), [
      "https://mcp.example.com/.well-known/oauth-protected-resource/v1/mcp",
      "https://mcp.example.com/.well-known/oauth-protected-resource",
    ]);
    assert.deepEqual(protectedResourceMetadataUrls(new URL("https://mcp.example.com/")), [
      "https://mcp.example.com/.well-known/oauth-protected-resource",
    ]);
    assert.deepEqual(protectedResourceMetadataUrls(new URL("https://mcp.example.com/mcp/")), [
      "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
      "https://mcp.example.com/.well-known/oauth-protected-resource",
    ]);
  });

  it("S5: AS metadata URLs for an issuer with a path, in order", () => {
    assert.deepEqual(authorizationServerMetadataUrls(new URL("https://as.example.com/t1")), [
      "https://as.example.com/.well-known/oauth-authorization-server/t1",
      "https://as.example.com/.well-known/openid-configuration/t1",
      "https://as.example.com/t1/.well-known/openid-configuration",
    ]);
  });

  it("S5: AS metadata URLs for an issuer without a path, in order", () => {
    assert.deepEqual(authorizationServerMetadataUrls(new URL("https://as.example.com")), [
      "https://as.example.com/.well-known/oauth-authorization-server",
      "https://as.example.com/.well-known/openid-configuration",
    ]);
  });

  it("S13: canonical resource has no fragment and no trailing slash", () => {
    assert.equal(
      canonicalResource("HTTPS://MCP.Example.com:443/mcp/#frag"),
      "https://mcp.example.com/mcp",
    );
    assert.equal(canonicalResource("https://mcp.example.com/"), "https://mcp.example.com");
    assert.equal(
      canonicalResource("https://mcp.example.com/?tenant=1"),
      "https://mcp.example.com/?tenant=1",
    );
  });

  it("S17/S24: loopback hosts", () => {
    for (const h of ["127.0.0.1", "127.9.8.7", "localhost", "[::1]"]) {
      assert.ok(isLoopbackHost(h), h);
    }
    // A name under .localhost goes to the system resolver: not loopback (issue 15).
    for (
      const h of [
        "128.0.0.1",
        "example.com",
        "localhost.example.com",
        "10.0.0.1",
        "[::2]",
        "app.localhost",
        "127.0.0.256",
      ]
    ) {
      assert.ok(!isLoopbackHost(h), h);
    }
  });

  it("S24: https anywhere, http on loopback, http elsewhere only with the explicit option", () => {
    assert.doesNotThrow(() => assertAllowedUrl(new URL("https://as.example.com"), "x"));
    assert.doesNotThrow(() => assertAllowedUrl(new URL("http://127.0.0.1:9/x"), "x"));
    assert.throws(
      () => assertAllowedUrl(new URL("http://as.example.com"), "Token endpoint"),
      (e: unknown) => {
        assert.ok(e instanceof McpOAuthError);
        assert.equal(e.code, ErrorCode.INSECURE_URL);
        assert.match(e.message, /^Token endpoint http:\/\/as\.example\.com\/ uses plain http/);
        return true;
      },
    );
    assert.doesNotThrow(() => assertAllowedUrl(new URL("http://as.example.com"), "x", true));
  });

  it("S18: javascript:, data:, file: and other schemes are refused even with the option", () => {
    for (
      const u of [
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "ftp://x/",
        "vbscript:x",
      ]
    ) {
      assert.throws(
        () => assertAllowedUrl(new URL(u), "Authorization endpoint", true),
        (e: unknown) => {
          assert.ok(e instanceof McpOAuthError);
          assert.equal(e.code, ErrorCode.INSECURE_URL);
          return true;
        },
        u,
      );
    }
  });
});
