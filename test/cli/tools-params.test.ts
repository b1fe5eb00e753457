/**
 * `tools NAME` shows each tool's parameters (name, type, required) so `call --args` can be
 * written without `--json`, and `call NAME nosuchtool` says the tool does not exist, naming
 * the close ones (issue 18, item 8). Subprocesses against the fixture MCP server.
 *
 * @module
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { formatParameters, toolParameters } from "../../src/cli/tool-params.ts";
import { PERSON_BROWSER, useServers } from "./helpers.ts";

describe("tools shows parameters; call names a missing tool (issue 18, item 8)", () => {
  const s = useServers();
  before(async () => {
    const r = await s.cli(["authorize", "demo", "--browser", PERSON_BROWSER]);
    assert.equal(r.code, 0, r.stderr);
  }, { timeout: 60_000 });

  it("tools: each tool, then its parameters with type and required", async () => {
    const r = await s.cli(["tools", "demo"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "echo    Echoes the text back",
        "          text  string  required",
        "whoami  The token's subject and scope",
        "          (no parameters)",
        "add     Adds two numbers",
        "          a  number  required",
        "          b  number  required",
        "",
      ].join("\n"),
    );
    assert.equal(r.stderr, "", "nothing on stderr when all is well");
  });

  it("call with a tool the server lacks: exit 1, one line naming it and the close ones", async () => {
    const r = await s.cli(["call", "demo", "ech"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      'mcp-oauth: demo has no tool "ech"; did you mean "echo"? "mcp-oauth tools demo" lists its 3 tools.\n',
    );
    const far = await s.cli(["call", "demo", "nosuchtool"]);
    assert.equal(far.code, 1);
    assert.doesNotMatch(far.stderr, /reported an error|did you mean/);
    assert.match(far.stderr, /^mcp-oauth: demo has no tool "nosuchtool"; "mcp-oauth tools demo"/);
  });

  it("a tool that exists but refuses the arguments: its parameters are named", async () => {
    const r = await s.cli(["call", "demo", "add", "--args", '{"a": 1}']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^mcp-oauth: the tool add reported an error; its parameters: a: number, b: number\.$/m,
    );
    const ok = await s.cli(["call", "demo", "add", "--args", '{"a": 1, "b": 2}']);
    assert.equal(ok.stdout, "3\n", ok.stderr);
  });

  it("toolParameters: required first, optional marked, arrays, enums and unions", () => {
    const params = toolParameters({
      type: "object",
      properties: {
        limit: { type: "integer", description: "at most" },
        query: { type: "string" },
        tags: { type: "array", items: { type: "string" } },
        mode: { enum: ["fast", "slow"] },
        when: { anyOf: [{ type: "string" }, { type: "null" }] },
      },
      required: ["query"],
    });
    assert.equal(
      formatParameters(params),
      'query: string, limit?: integer, tags?: string[], mode?: "fast" | "slow", when?: string | null',
    );
    assert.equal(params[1]!.description, "at most");
    for (const odd of [undefined, null, 1, "x", { properties: [] }, { properties: null }]) {
      assert.deepEqual(toolParameters(odd), []);
    }
  });
});
