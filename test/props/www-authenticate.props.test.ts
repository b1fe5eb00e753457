/**
 * Properties of the WWW-Authenticate parser (issue 10): no header crashes it, and every
 * well-formed list of challenges parses back to exactly the schemes and parameters written.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { bearerChallenge, parseWwwAuthenticate } from "../../src/core/www-authenticate.ts";
import { hostileText, PROTO_KEYS } from "./props-helpers.ts";

const RUNS = 3000;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 });
const ows = fc.constantFrom("", " ", "  ", "\t");
/** A parameter value: anything a quoted-string can carry (qdtext, quoted-pairs, obs-text). */
const value = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }).map((n) => String.fromCharCode(n)),
    fc.integer({ min: 0x80, max: 0xff }).map((n) => String.fromCharCode(n)),
    fc.constantFrom("\t", '"', "\\"),
  ),
  maxLength: 40,
});
const paramName = fc.oneof(
  token,
  fc.constantFrom(
    "resource_metadata",
    "scope",
    "error",
    "error_description",
    "realm",
    ...PROTO_KEYS,
  ),
);

interface Written {
  scheme: string;
  blob?: string;
  params: [string, string, "quoted" | "token"][];
}

const challenge: fc.Arbitrary<Written> = fc.record({
  scheme: token,
  blob: fc.option(
    fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,20}={0,2}$/),
    { nil: undefined },
  ),
  params: fc.uniqueArray(
    fc.tuple(paramName, value, fc.constantFrom("quoted" as const, "token" as const)),
    { maxLength: 5, selector: ([name]) => name.toLowerCase() },
  ),
}).map((c) => (c.params.length ? { ...c, blob: undefined } : c));

function serialize(list: Written[], spaces: string[]): string {
  let i = 0;
  const sp = () => spaces[i++ % spaces.length]!;
  return list.map((c) => {
    const params = c.params.map(([name, v, style]) =>
      `${name}${sp()}=${sp()}${
        style === "token" && TOKEN.test(v) ? v : `"${v.replace(/["\\]/g, (ch) => `\\${ch}`)}"`
      }`
    );
    return `${c.scheme}${c.blob ? ` ${c.blob}` : ""}${
      params.length ? ` ${params.join(`${sp()},${sp()}`)}` : ""
    }`;
  }).join(`${sp()},${sp()}`);
}

describe("WWW-Authenticate: properties (issue 10, S1, S14, S22)", () => {
  it(`S1: no header crashes the parser (${RUNS} runs)`, () => {
    const header = hostileText([
      "Bearer",
      "bearer ",
      "Basic",
      " ",
      ",",
      "=",
      '"',
      "\\",
      '\\"',
      "resource_metadata",
      "scope",
      "error=",
      'realm="x"',
      "abc==",
      "\t",
      "\u0000",
      "__proto__",
      "constructor",
    ]);
    fc.assert(
      fc.property(header, (h) => {
        const list = parseWwwAuthenticate(h);
        assert.ok(Array.isArray(list));
        for (const c of list) {
          assert.match(c.scheme, TOKEN, "every scheme is a token");
          assert.equal(c.scheme, c.scheme.toLowerCase(), "schemes are lower-cased");
          for (const [k, v] of Object.entries(c.params)) {
            assert.equal(k, k.toLowerCase(), "parameter names are lower-cased");
            assert.equal(typeof v, "string");
          }
        }
        const b = bearerChallenge(h);
        if (b === undefined) {
          assert.ok(
            !list.some((c) => c.scheme === "bearer" || c.scheme === "dpop"),
            "undefined only without Bearer or DPoP",
          );
        } else {
          for (const v of Object.values(b)) assert.ok(v === undefined || typeof v === "string");
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`S1/S14: well-formed challenges parse back to what was written (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.array(challenge, { minLength: 1, maxLength: 4 }),
        fc.array(ows, { minLength: 1, maxLength: 5 }),
        (list, spaces) => {
          const header = serialize(list, spaces);
          const parsed = parseWwwAuthenticate(header);
          assert.deepEqual(
            parsed.map((c) => c.scheme),
            list.map((c) => c.scheme.toLowerCase()),
            header,
          );
          parsed.forEach((c, i) => {
            const expected = new Map(list[i]!.params.map(([n, v]) => [n.toLowerCase(), v]));
            assert.deepEqual(Object.keys(c.params).sort(), [...expected.keys()].sort(), header);
            for (const [n, v] of expected) {
              assert.ok(Object.hasOwn(c.params, n), `own parameter ${n}`);
              assert.equal(c.params[n], v, `${n} in ${header}`);
            }
          });
          // The Bearer challenge, else the DPoP one (RFC 9449 §7.1: the same parameters).
          const named = (scheme: string) => list.find((c) => c.scheme.toLowerCase() === scheme);
          const bearer = named("bearer") ?? named("dpop");
          const b = bearerChallenge(header);
          if (!bearer) return b === undefined;
          const get = (n: string) => bearer.params.find(([k]) => k.toLowerCase() === n)?.[1];
          assert.deepEqual(b, {
            ...(named("bearer") ? {} : { scheme: "dpop" }),
            resourceMetadata: get("resource_metadata"),
            scope: get("scope"),
            error: get("error"),
            errorDescription: get("error_description"),
          });
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`S22: a Bearer challenge is found among others, and the first of a repeated parameter wins (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.array(challenge.filter((c) => c.scheme.toLowerCase() !== "bearer"), { maxLength: 3 }),
        value,
        value,
        fc.array(challenge, { maxLength: 2 }),
        (before, first, second, afterwards) => {
          const bearer: Written = {
            scheme: "Bearer",
            params: [["error", "insufficient_scope", "token"], ["scope", first, "quoted"], [
              "SCOPE",
              second,
              "quoted",
            ]],
          };
          const header = serialize([...before, bearer, ...afterwards], [" "]);
          const b = bearerChallenge(header);
          assert.equal(b?.error, "insufficient_scope", header);
          assert.equal(b?.scope, first, header);
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });
});
