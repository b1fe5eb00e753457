/** Lock and marker file names: 32 hex characters, stable, and distinct keys kept apart. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fileNameHash } from "../../src/store/file-name-hash.ts";

describe("fileNameHash (S20 lock names)", () => {
  it("is 32 lower-case hex characters and the same for the same key", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (key) => {
        const h = fileNameHash(key);
        assert.match(h, /^[0-9a-f]{32}$/);
        assert.equal(fileNameHash(key), h);
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps 200,000 similar keys apart (record keys differing in one character)", () => {
    const seen = new Map<string, string>();
    for (let i = 0; i < 200_000; i++) {
      const key = `https://as.example.com/.mcp-oauth/token/https%3A%2F%2Fmcp${i}.example.com%2Fmcp`;
      const h = fileNameHash(key);
      assert.equal(seen.get(h), undefined, `${key} collides with ${seen.get(h)}`);
      seen.set(h, key);
    }
    assert.notEqual(fileNameHash(""), fileNameHash("\u0000"));
    assert.notEqual(fileNameHash("ab"), fileNameHash("ba"));
  });
});
