/**
 * `printf '<initialize>\n' | mcp-oauth stdio NAME` prints the answer (issue 18, item 6): stdin
 * ending does not drop the replies in flight; the bridge exits once they are written.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { before, describe, it } from "node:test";
import { CLI, CLI_RUNTIME, PERSON_BROWSER, ROOT, useServers } from "./helpers.ts";
import { neutralEnv } from "../helpers/child-env.ts";

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "printf", version: "0" },
  },
};

/** Runs `mcp-oauth stdio demo` with `input` on stdin (then closed), as `printf … |` does. */
function pipeInto(
  home: string,
  input: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, ["stdio", "demo", "--browser", "none"], {
      cwd: ROOT,
      env: { ...neutralEnv(), MCP_OAUTH_HOME: home, MCP_OAUTH_RUNTIME: CLI_RUNTIME },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin!.end(input);
  });
}

describe("stdio: replies in flight when stdin closes are written (issue 18, item 6)", () => {
  const s = useServers();
  before(async () => {
    const r = await s.cli(["authorize", "demo", "--browser", PERSON_BROWSER]);
    assert.equal(r.code, 0, r.stderr);
  }, { timeout: 60_000 });

  it(
    "an initialize piped in gets its answer on stdout, then exit 0",
    { timeout: 40_000 },
    async () => {
      const r = await pipeInto(s.home, `${JSON.stringify(INITIALIZE)}\n`);
      assert.equal(r.code, 0, r.err);
      const lines = r.out.split("\n").filter(Boolean).map((l) => JSON.parse(l));
      assert.equal(lines.length, 1, r.out);
      assert.equal(lines[0].id, 1);
      assert.equal(lines[0].result.serverInfo.name, "mcp-oauth-test-server");
    },
  );

  it("a request that fails is answered too, and a notification needs no answer", {
    timeout: 40_000,
  }, async () => {
    const input = [
      JSON.stringify(INITIALIZE),
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      // No session yet on this connection's side: whatever the server says, it is an answer.
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }),
    ].join("\n");
    const r = await pipeInto(s.home, `${input}\n`);
    assert.equal(r.code, 0, r.err);
    const ids = r.out.split("\n").filter(Boolean).map((l) => JSON.parse(l).id).sort();
    assert.deepEqual(ids, [1, 2], r.out);
  });
});
