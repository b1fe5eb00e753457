/**
 * Two bugs that fault injection found in discovery (issue 10), now fixed:
 *
 * 1. A protected resource metadata document that failed transiently (5xx, timeout, reset, cut)
 *    made discovery take the S7 fallback for 2025-03-26 servers "without PRM", and the user was
 *    told to pass --client-id for a server that does have PRM (its 401 names it). Now the failure
 *    is named, with "retry".
 * 2. When both authorization server metadata documents failed transiently, the error hid the
 *    503/timeout/reset behind "check the server's authorization_servers". Now it says what they
 *    answered (or that they did not) and to retry.
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { snapshotHome } from "../cli/helpers.ts";
import { esc, FAILING, oneError, SLOW, TIMEOUT_MS, useFaultServers } from "./net-harness.ts";
import type { FaultKind } from "./fault-front.ts";

const net = useFaultServers();

/** What a metadata URL did, as the one error line should say it. */
function happened(kind: FaultKind, url: string): RegExp {
  const u = esc(url);
  if (kind === "hang") return new RegExp(`${u}.*(no answer|within ${TIMEOUT_MS / 1000} s)`, "i");
  // Deno words a reset as "connection closed before message completed".
  if (kind === "reset" || kind === "cut") {
    return new RegExp(`${u}.*(reach|broke off|reset|closed)`, "i");
  }
  return new RegExp(`${u}.*${kind}`);
}

describe("discovery faults are reported as what they are (S1, S5, S7)", () => {
  for (const kind of FAILING) {
    it(
      `Issue 10 (S7): PRM ${kind} is not "a server without PRM": the error names the PRM URL and says retry`,
      SLOW,
      async () => {
        const home = await net.newHome();
        const before = await snapshotHome(home);
        const prm = `${net.mcpFront.url}/.well-known/oauth-protected-resource/mcp`;
        net.mcpFront.fail({ path: "/.well-known/oauth-protected-resource/mcp", kind });
        let line: string;
        try {
          line = oneError(await net.authorize(home), 1);
        } finally {
          net.mcpFront.heal();
        }
        assert.doesNotMatch(line, /\/register|--client-id/, `no S7 fallback: ${line}`);
        assert.match(line, happened(kind, prm));
        assert.match(line, /retry/);
        assert.deepEqual(await snapshotHome(home), before);
      },
    );
  }

  for (const kind of FAILING) {
    it(
      `Issue 10 (S5): both AS metadata documents ${kind}: the error says what they answered and to retry`,
      SLOW,
      async () => {
        const home = await net.newHome();
        net.asFront.fail({ path: "/.well-known/oauth-authorization-server", kind });
        net.asFront.fail({ path: "/.well-known/openid-configuration", kind });
        let line: string;
        try {
          line = oneError(await net.authorize(home), 1);
        } finally {
          net.asFront.heal();
        }
        assert.doesNotMatch(line, /check the server's authorization_servers/, line);
        assert.match(line, happened(kind, `${net.asFront.url}/.well-known/`));
        assert.match(line, /retry/);
      },
    );
  }
});
