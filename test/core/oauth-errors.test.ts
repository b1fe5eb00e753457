/**
 * An authorization server's error_description is shown in one line, with any JWT it quotes
 * (a workload's assertion, an id_token, an ID-JAG) hidden: the line reaches terminals and CI logs.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as oauth from "oauth4webapi";
import { errorDescription } from "../../src/core/oauth-errors.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";

const b64 = (v: unknown) =>
  btoa(JSON.stringify(v)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const ASSERTION = `${b64({ alg: "ES256" })}.${b64({ sub: "repo:ci", aud: "x" })}.c2lnbmF0dXJl`;
recordSecret("workload assertion (oauth-errors test)", ASSERTION);

function refused(description: string): oauth.ResponseBodyError {
  return new oauth.ResponseBodyError("refused", {
    cause: { error: "invalid_grant", error_description: description },
    response: new Response(null, { status: 400 }),
  });
}

describe("errorDescription", () => {
  it("shows the description in one line, a quoted JWT hidden", () => {
    const line = errorDescription(refused(`bad assertion\n${ASSERTION} (audience)`), 160);
    assert.equal(line, ": bad assertion [a JWT] (audience)");
    assert.ok(!line.includes(ASSERTION.slice(0, 20)));
  });

  it("is empty without a description, and for other errors", () => {
    assert.equal(errorDescription(refused(""), 160), "");
    assert.equal(errorDescription(new Error(ASSERTION), 160), "");
  });
});
