import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { bearerChallenge, parseWwwAuthenticate } from "../../src/core/www-authenticate.ts";

describe("WWW-Authenticate parsing (S1, S14, S22)", () => {
  it("S1: reads resource_metadata from a Bearer challenge", () => {
    const c = bearerChallenge(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    );
    assert.equal(
      c?.resourceMetadata,
      "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
    );
  });

  it("S14/S22: reads scope and error, quoted or not, case-insensitively", () => {
    const c = bearerChallenge(
      'bearer ERROR=insufficient_scope, Scope="mcp:read mcp:write", error_description="need \\"write\\""',
    );
    assert.deepEqual(c, {
      resourceMetadata: undefined,
      scope: "mcp:read mcp:write",
      error: "insufficient_scope",
      errorDescription: 'need "write"',
    });
  });

  it("finds Bearer among several challenges, including token68 ones", () => {
    const list = parseWwwAuthenticate(
      'Basic realm="x", Negotiate abc123==, Bearer realm="mcp", scope="a"',
    );
    assert.deepEqual(list.map((c) => c.scheme), ["basic", "negotiate", "bearer"]);
    assert.deepEqual(list[2]!.params, { realm: "mcp", scope: "a" });
    assert.equal(bearerChallenge('Basic realm="x", Bearer scope="a"')?.scope, "a");
  });

  it("a challenge with no parameters", () => {
    assert.deepEqual(parseWwwAuthenticate("Bearer"), [{ scheme: "bearer", params: {} }]);
    assert.deepEqual(bearerChallenge("Bearer"), {
      resourceMetadata: undefined,
      scope: undefined,
      error: undefined,
      errorDescription: undefined,
    });
  });

  it("the first value of a repeated parameter wins", () => {
    assert.equal(bearerChallenge('Bearer scope="a", scope="b"')?.scope, "a");
  });

  it("malformed input never throws and keeps what parsed", () => {
    for (
      const h of [
        'Bearer scope="unterminated',
        "=",
        ",,,",
        'Bearer ="x"',
        "Bearer scope=",
        "\u0000\u00ff",
        "Bearer " + "a".repeat(20000),
      ]
    ) {
      assert.doesNotThrow(() => parseWwwAuthenticate(h), h.slice(0, 40));
    }
    assert.equal(bearerChallenge('Bearer scope="unterminated')?.scope, undefined);
    assert.equal(bearerChallenge(null), undefined);
    assert.equal(bearerChallenge("Basic realm=x"), undefined);
  });
});
