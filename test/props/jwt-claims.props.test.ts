/**
 * Properties of the JWT claims decoder behind the dashboard's claims view (issue 10): any
 * token text gives an object or undefined, never an exception, and a JWS whose payload is
 * base64url JSON of an object decodes to exactly that object.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeJwtClaims } from "../../src/core/jwt-claims.ts";
import { anyString, base64url, hostileText } from "./props-helpers.ts";

const RUNS = 3000;

const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/),
  anyString,
  fc.jsonValue().map((v) => base64url(JSON.stringify(v))),
);

describe("JWT claims: properties (issue 10)", () => {
  it(`any token text decodes to an object or undefined (${RUNS} runs)`, () => {
    const token = fc.oneof(
      anyString,
      fc.array(segment, { maxLength: 5 }).map((xs) => xs.join(".")),
      hostileText([".", "eyJ", "=", "-", "_", "+", "/", "%", "e30", "W10", "bnVsbA"]),
    );
    fc.assert(
      fc.property(token, (t) => {
        const claims = decodeJwtClaims(t);
        if (claims !== undefined) {
          assert.equal(typeof claims, "object");
          assert.ok(claims !== null && !Array.isArray(claims));
          assert.equal(t.split(".").length, 3, "only a three-part JWS has claims");
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`a JWS with a JSON object payload decodes to that object; other payloads to undefined (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/),
        fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/),
        fc.boolean(),
        (payload, header, signature, padded) => {
          let body = base64url(JSON.stringify(payload));
          if (padded) body += "=".repeat((4 - (body.length % 4)) % 4);
          const claims = decodeJwtClaims(`${header}.${body}.${signature}`);
          const isObject = payload !== null && typeof payload === "object" &&
            !Array.isArray(payload);
          if (!isObject) return claims === undefined;
          // Compared as JSON: a "__proto__" key must come back as data, as JSON.parse makes it.
          assert.equal(JSON.stringify(claims), JSON.stringify(payload));
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });
});
