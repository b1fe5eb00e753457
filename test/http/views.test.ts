/** Dashboard views given claims no Date can hold (found by the property tests, issue 10). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { claimsPanel } from "../../src/http/dashboard/views.ts";

describe("claims panel", () => {
  it("shows exp/iat beyond the Date range as numbers, without a date and without failing", async () => {
    const page = String(
      await claimsPanel("srv", {
        hasToken: true,
        claims: { exp: 1e20, iat: -1e20, nbf: Number.MAX_VALUE, auth_time: 1_700_000_000 },
      }),
    );
    assert.match(page, /100000000000000000000/);
    assert.doesNotMatch(page, /Invalid Date/);
    // A normal NumericDate still gets its ISO form.
    assert.match(page, /\(2023-11-14T22:13:20\.000Z\)/);
  });
});
