/**
 * Properties of scope selection (issue 10, S14, S22): scope strings split into unique
 * scope tokens, and the selection never invents a scope, honours the user's choice, adds
 * offline_access only along with other scopes when the AS lists it, and takes any junk a
 * server puts in its metadata without crashing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { AuthorizationServerMetadata, ResourceMetadata } from "../../src/core/discover.ts";
import { selectScopes, splitScopes } from "../../src/core/scopes.ts";
import { anyString, hostileText } from "./props-helpers.ts";

const RUNS = 3000;

const scope = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9:._-]{0,12}$/),
  fc.constantFrom("offline_access", "openid", "mcp:read", "mcp:write", "a", "b"),
);
const scopeString = fc.oneof(
  fc.array(scope, { maxLength: 5 }).map((xs) => xs.join(" ")),
  hostileText([" ", "  ", "\t", "\n", "\u00a0", "\u2028", "offline_access", "a", "b"]),
  anyString,
);
/** What a server may put in scopes_supported: a list, or junk of any JSON type. */
const supported = fc.oneof(
  fc.array(scope, { maxLength: 5 }),
  fc.array(fc.oneof(scope, fc.jsonValue({ maxDepth: 1 })), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom("offline_access", "a offline_access", 5, {}, { includes: 1 }, null, true),
);

describe("scopes: properties (issue 10, S14, S22)", () => {
  it(`S14: a scope string splits into unique, non-empty, whitespace-free scopes (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(scopeString, fc.constantFrom(null, undefined)), (text) => {
        const list = splitScopes(text);
        assert.equal(new Set(list).size, list.length, "unique");
        for (const s of list) {
          assert.ok(s.length > 0 && !/\s/.test(s), JSON.stringify(s));
          assert.ok((text ?? "").includes(s), "taken from the input");
        }
        assert.deepEqual(splitScopes(list.join(" ")), list, "join and split again: the same");
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`S14/S22: the selection never invents a scope and takes any metadata (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.option(fc.array(scope, { maxLength: 4 }), { nil: undefined }),
        fc.option(scopeString, { nil: undefined }),
        fc.option(fc.record({ scopes_supported: supported }, { requiredKeys: [] }), {
          nil: undefined,
        }),
        fc.record({ scopes_supported: supported }, { requiredKeys: [] }),
        fc.option(fc.array(scope, { maxLength: 3 }), { nil: undefined }),
        (configured, challenge, prm, as, held) => {
          const result = selectScopes({
            configured,
            challenge,
            prm: prm as ResourceMetadata | undefined,
            as: { issuer: "https://as.example", ...as } as AuthorizationServerMetadata,
            held,
          });
          assert.ok(Array.isArray(result));
          assert.equal(new Set(result).size, result.length, "unique");
          // A list's strings, or (leniently) the scopes of a space-separated string.
          const raw: unknown = prm?.scopes_supported;
          const prmScopes = Array.isArray(raw)
            ? raw.filter((s): s is string => typeof s === "string")
            : typeof raw === "string"
            ? splitScopes(raw)
            : [];
          const sources = new Set([
            ...(configured ?? []),
            ...splitScopes(challenge),
            ...prmScopes,
            ...(held ?? []),
          ]);
          for (const s of result) {
            assert.equal(typeof s, "string");
            if (s === "offline_access" && !sources.has(s)) {
              assert.ok(
                Array.isArray(as.scopes_supported) && as.scopes_supported.includes(s),
                "offline_access only when the AS lists it",
              );
              assert.ok(result.length > 1, "offline_access never alone (S14: omit scope)");
            } else {
              assert.ok(sources.has(s), `S14: ${s} came from a source`);
            }
          }
          if (configured?.length) {
            for (const s of configured) assert.ok(result.includes(s), "the user's scopes win");
            for (const s of result) {
              assert.ok(
                configured.includes(s) || held?.includes(s) || s === "offline_access",
                "configured scopes replace the server's choice",
              );
            }
          }
          for (const s of held ?? []) assert.ok(result.includes(s), "S22: held scopes stay");
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });
});
