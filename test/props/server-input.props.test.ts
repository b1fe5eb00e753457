/**
 * Properties of server definitions as a person types them (issue 10): any input to `add` (or
 * the dashboard's form) becomes a valid definition or a one-line usage error, never a crash;
 * what is accepted obeys S9, S13, S14, S18 and S24.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { builtInCatalog, catalogEntry } from "../../src/catalog/catalog.ts";
import { ErrorCode } from "../../src/core/errors.ts";
import {
  SERVER_NAME,
  validateServerInput,
  validClientMetadataUrl,
} from "../../src/core/server-input.ts";
import { isLoopbackHost } from "../../src/core/urls.ts";
import { anyString, hostileText, PROTO_KEYS, settle } from "./props-helpers.ts";

const RUNS = 2000;

const name = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("notion", "linear", "github", "GitHub", "stripe", ...PROTO_KEYS),
  },
  { weight: 1, arbitrary: anyString },
);
const url = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.webUrl({
      validSchemes: ["https", "http"],
      authoritySettings: { withIPv4: true, withPort: true },
      withQueryParameters: true,
      withFragments: true,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "   ",
      "http://127.0.0.1:3000/mcp",
      "http://localhost/mcp",
      "http://example.com/mcp",
      "javascript:alert(1)",
      "data:text/html,x",
      "file:///etc/passwd",
      "https://mcp.notion.com/mcp/",
      "mcp.example.com/mcp",
      "https://user:pw@mcp.example.com/mcp",
    ),
  },
  {
    weight: 1,
    arbitrary: hostileText(["https://", "http://", "a.example", "/", ":", "@", "#", "?", " ", "%"]),
  },
);
/** Absent half the time, as a person leaves most options out. */
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });

describe("server input: properties (issue 10, S9, S13, S14, S18, S24)", () => {
  it(`any input is a valid definition or a one-line usage error (${RUNS} runs)`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.record({
          name,
          url: fc.option(url, { nil: undefined, freq: 6 }),
          scopes: optional(fc.oneof(
            { weight: 1, arbitrary: anyString },
            {
              weight: 4,
              arbitrary: fc.constantFrom("a b", " read  write ", "a a", "mcp:read offline_access"),
            },
          )),
          clientId: optional(fc.oneof(fc.string(), fc.constant(""))),
          clientSecret: optional(fc.string()),
          clientMetadataUrl: optional(fc.oneof(url, fc.webUrl({ validSchemes: ["https"] }))),
          resource: optional(fc.boolean()),
          compat: optional(fc.constant("docker" as const)),
        }, { requiredKeys: ["name"] }),
        fc.boolean(),
        (input, insecure) => {
          const r = settle(() => validateServerInput(input, insecure, builtInCatalog), [
            ErrorCode.USAGE,
          ]);
          if (!r.ok) return true;
          accepted++;
          const def = r.value;
          assert.equal(def.name, input.name);
          assert.match(def.name, SERVER_NAME);
          const u = new URL(def.url);
          assert.ok(u.protocol === "https:" || u.protocol === "http:", `S18: ${def.url}`);
          if (u.protocol === "http:" && !insecure) {
            assert.ok(isLoopbackHost(u.hostname), `S24: http only on loopback: ${def.url}`);
          }
          if (!input.url?.trim()) {
            assert.equal(def.url, catalogEntry(input.name)?.url, "no URL: the catalog's");
          }
          if (input.clientSecret) assert.ok(input.clientId, "a secret needs a client id");
          assert.equal(
            (def as unknown as Record<string, unknown>).clientSecret,
            undefined,
            "never a secret",
          );
          if (def.clientMetadataUrl) {
            const m = new URL(def.clientMetadataUrl);
            assert.equal(m.protocol, "https:", "S9: CIMD URLs are https");
            assert.notEqual(m.pathname, "/", "S9: CIMD URLs have a path");
          }
          if (def.scopes) {
            assert.ok(def.scopes.length > 0);
            assert.equal(new Set(def.scopes).size, def.scopes.length, "S14: unique scopes");
            for (const s of def.scopes) assert.doesNotMatch(s, /^$|\s/, `one scope: ${s}`);
          }
          if (input.resource === false) assert.equal(def.resource, false, "S13 off when asked");
          if (input.resource === true) assert.equal(def.resource, undefined, "S13 on");
          return true;
        },
      ),
      { numRuns: RUNS },
    );
    assert.ok(accepted >= RUNS / 10, `enough inputs were accepted (${accepted})`);
  });

  it(`S9: a client metadata URL is an https URL with a path, or a usage error (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(url, (text) => {
        const r = settle(() => validClientMetadataUrl(text), [ErrorCode.USAGE]);
        if (r.ok) {
          const u = new URL(r.value);
          assert.equal(u.protocol, "https:");
          assert.notEqual(u.pathname, "/");
          assert.equal(r.value, new URL(text).href, "normalised, not changed");
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});
