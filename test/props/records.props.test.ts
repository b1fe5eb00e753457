/**
 * Properties of the credential-store keys and records (issue 10): keys are absolute https
 * URLs, keys of distinct (issuer, resource) pairs never collide, the kinds of key never
 * collide with each other, and any stored secret reads back as a record or as a clear
 * STORE_FAILED error, never a crash.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCode } from "../../src/core/errors.ts";
import {
  clientKey,
  importedClientKey,
  isClientRecord,
  isEngineKey,
  isTokenRecord,
  readRecord,
  staticClientKey,
  tokenKey,
} from "../../src/core/records.ts";
import { canonicalResource } from "../../src/core/urls.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { anyString, settleAsync } from "./props-helpers.ts";

const RUNS = 2000;

/**
 * Issuers as RFC 8414 §2 has them (https, no query or fragment). Keys identify an issuer by
 * host and path: the same host and path with another scheme or a trailing slash is the same
 * authorization server.
 */
const issuer = fc.webUrl({
  validSchemes: ["https"],
  authoritySettings: { withIPv4: true, withPort: true },
}).filter((u) => URL.canParse(u)).map((u) => new URL(u).href);
const identity = (i: string) => {
  const u = new URL(i);
  return `${u.host}${u.pathname.replace(/\/+$/, "")}`;
};
/** Resources are canonical MCP server URLs (S13). */
const resource = fc.webUrl({
  validSchemes: ["https", "http"],
  authoritySettings: { withIPv4: true, withPort: true },
  withQueryParameters: true,
}).filter((u) => URL.canParse(u)).map((u) => canonicalResource(u));
const serverName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);

describe("store keys and records: properties (issue 10, S11)", () => {
  it(`keys of distinct (issuer, resource) pairs never collide (${RUNS} runs)`, () => {
    // The second pair is often the first one, or its issuer with a trailing slash toggled.
    const pairs = fc.tuple(issuer, resource, issuer, resource, fc.nat(3), fc.boolean()).map((
      [i1, r1, other, r2, pick, sameResource],
    ) => {
      const toggled = i1.endsWith("/") ? i1.replace(/\/+$/, "") : `${i1}/`;
      const i2 = [i1, toggled, other, other][pick]!;
      return [i1, r1, i2, sameResource ? r1 : r2] as const;
    });
    fc.assert(
      fc.property(pairs, ([i1, r1, i2, r2]) => {
        const k1 = tokenKey(i1, r1);
        const k2 = tokenKey(i2, r2);
        const same = identity(i1) === identity(i2) && r1 === r2;
        assert.equal(k1 === k2, same, `${k1} vs ${k2}`);
        assert.equal(
          clientKey(i1) === clientKey(i2),
          identity(i1) === identity(i2),
          "S11: one client per issuer",
        );
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`keys are absolute https URLs, engine keys, and the kinds never collide (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(issuer, resource, serverName, issuer, resource, (i, r, name, i2, r2) => {
        const keys = {
          token: tokenKey(i, r),
          client: clientKey(i2),
          static: staticClientKey(r2),
          imported: importedClientKey(i, name),
        };
        for (const [kind, k] of Object.entries(keys)) {
          const u = new URL(k);
          assert.equal(u.protocol, "https:", `${kind}: ${k}`);
          assert.equal(u.href, k, `${kind} key is already in normal form: ${k}`);
          assert.ok(isEngineKey(k), `${kind} is an engine key`);
        }
        assert.equal(new Set(Object.values(keys)).size, 4, JSON.stringify(keys));
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`any stored secret reads as a record or a STORE_FAILED error (${RUNS} runs)`, async () => {
    const record = fc.record({
      v: fc.oneof(fc.constant(1), fc.jsonValue()),
      access_token: fc.oneof(fc.string(), fc.jsonValue()),
      token_endpoint: fc.oneof(fc.webUrl(), fc.jsonValue()),
      issuer: fc.oneof(fc.webUrl(), fc.jsonValue()),
      client_id: fc.oneof(fc.string(), fc.jsonValue()),
      resource: fc.oneof(fc.webUrl(), fc.jsonValue()),
      redirect_uris: fc.oneof(fc.array(fc.webUrl()), fc.jsonValue()),
    }, { requiredKeys: [] });
    const secret = fc.oneof(
      anyString,
      fc.jsonValue().map((v) => JSON.stringify(v)),
      record.map((r) => JSON.stringify(r)),
    );
    const store = new MemoryStore();
    await fc.assert(
      fc.asyncProperty(secret, fc.boolean(), async (s, token) => {
        const key = token ? "https://as.example/.mcp-oauth/token/x" : "https://as.example/c";
        await store.store({ ServerURL: key, Username: "u", Secret: s });
        const r = await settleAsync(
          () => readRecord(store, key, "record", token ? isTokenRecord : isClientRecord),
          [ErrorCode.STORE_FAILED],
        );
        if (r.ok && r.value !== undefined) {
          assert.ok(
            (token ? isTokenRecord : isClientRecord)(r.value as unknown as Record<string, unknown>),
          );
        } else if (r.ok) assert.equal(s, "", "absent only for an empty secret");
        else assert.ok(!r.error.message.includes(s) || s.length < 8, "S26: no secret echoed");
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});
