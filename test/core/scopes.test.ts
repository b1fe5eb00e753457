import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { selectScopes, splitScopes } from "../../src/core/scopes.ts";

const as = { issuer: "https://as.example.com" };
const asOffline = { ...as, scopes_supported: ["openid", "offline_access", "mcp:read"] };
const prm = {
  resource: "https://mcp.example.com/mcp",
  scopes_supported: ["mcp:read", "mcp:write"],
};

describe("scope selection (S14)", () => {
  it("the challenge's scope comes first", () => {
    assert.deepEqual(selectScopes({ challenge: "mcp:read", prm, as }), ["mcp:read"]);
  });
  it("else all of PRM scopes_supported", () => {
    assert.deepEqual(selectScopes({ prm, as }), ["mcp:read", "mcp:write"]);
  });
  it("else no scope at all, never invented defaults", () => {
    assert.deepEqual(selectScopes({ as }), []);
    assert.deepEqual(
      selectScopes({ as: { ...as, scopes_supported: ["openid", "email", "profile"] } }),
      [],
    );
  });
  it("the user's configured scopes override", () => {
    assert.deepEqual(selectScopes({ configured: ["files:read"], challenge: "mcp:read", prm, as }), [
      "files:read",
    ]);
  });
  it("offline_access is added when the AS lists it", () => {
    assert.deepEqual(selectScopes({ prm, as: asOffline }), [
      "mcp:read",
      "mcp:write",
      "offline_access",
    ]);
    assert.deepEqual(selectScopes({ configured: ["offline_access"], as: asOffline }), [
      "offline_access",
    ]);
    assert.deepEqual(
      selectScopes({ as: asOffline }),
      [],
      "S14: nothing selected: no scope at all, not offline_access alone",
    );
  });

  it("S22: held scopes are kept on step-up (union)", () => {
    assert.deepEqual(selectScopes({ challenge: "mcp:write", held: ["mcp:read"], as }), [
      "mcp:read",
      "mcp:write",
    ]);
  });
  it("splits on any whitespace and drops duplicates", () => {
    assert.deepEqual(splitScopes("  a\tb  a\nc "), ["a", "b", "c"]);
    assert.deepEqual(splitScopes(undefined), []);
  });
});
