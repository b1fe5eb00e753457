/**
 * The stdio bridge ends when its client goes away: stdin closing must end the process, or every
 * MCP client that quits leaves an orphan behind (found by the attack tests, issue 10).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { CLI, CLI_RUNTIME, removeHome, ROOT, tempHome } from "./helpers.ts";

describe("stdio bridge lifetime", () => {
  it("exits 0 soon after stdin closes", async () => {
    const home = await tempHome();
    try {
      const child = spawn(CLI, ["stdio", "http://127.0.0.1:9/mcp", "--browser", "none"], {
        cwd: ROOT,
        env: { ...process.env, MCP_OAUTH_HOME: home, MCP_OAUTH_RUNTIME: CLI_RUNTIME },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      // Wait until it is forwarding, then hang up as a quitting client does.
      while (!stderr.includes("forwarding to")) {
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(child.exitCode, null, `exited early: ${stderr}`);
      }
      const closedAt = Date.now();
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, `still running 5 s after stdin closed, or failed: ${stderr}`);
      assert.ok(Date.now() - closedAt < 5_000);
    } finally {
      await removeHome(home);
    }
  });
});
