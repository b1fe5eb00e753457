/** `mcp-oauth tools`: list a server's tools through authFetch. @module */
import type { Command } from "../command.ts";
import { oneLine } from "../../core/errors.ts";
import { safeJson, table } from "../format.ts";
import { toolParameters } from "../tool-params.ts";
import { SIGN_IN_HELP, SIGN_IN_OPTIONS, signInOptionsFrom } from "../sign-in-options.ts";

export const tools: Command = {
  name: "tools",
  summary: "list a server's tools (signing in first if needed)",
  usage: "tools <name|url> [--json] [sign-in options]",
  details: `Connects with the MCP Streamable HTTP transport, using the stored token: refreshed
when the server refuses it, and a new sign-in (with the options below) when needed.
Speaks MCP 2026-07-28 (no handshake) and falls back to the initialize handshake
(2025-11-25, 2025-06-18, 2025-03-26) when the server does not answer as a
2026-07-28 server. A tool whose x-mcp-header declaration is invalid (SEP-2243) is
left out, with one line on stderr saying which and why.

Each tool is shown with its parameters as "call --args" takes them: name, type,
"?" when optional, and the parameter's description.

--json prints {"tools": [...]} with each tool as the server describes it.

Sign-in options:
${SIGN_IN_HELP}

Examples:
  mcp-oauth tools notion
  mcp-oauth tools https://mcp.linear.app/mcp --json | jq -r '.tools[].name'`,
  options: { json: { type: "boolean" }, ...SIGN_IN_OPTIONS },
  positionals: { min: 1, max: 1, names: "a server name or URL" },
  async run(ctx, args) {
    const options = signInOptionsFrom("tools", args);
    // The MCP client takes ~70 ms to load: only the commands that speak MCP pay for it.
    const { leftOutLine, listTools, withMcpClient } = await import("../mcp-client.ts");
    const def = await ctx.engine.resolve(args.positionals[0]!);
    // A tool with an invalid x-mcp-header declaration is not listed (SEP-2243): say which, and why.
    const list = await withMcpClient(
      ctx,
      def,
      options,
      (client, requestOptions) =>
        listTools(
          client,
          requestOptions,
          (tool) => ctx.io.err(`mcp-oauth: ${def.name}: ${leftOutLine(tool)}.`),
        ),
    );
    if (args.values.json) {
      ctx.io.out(safeJson({ tools: list }));
    } else if (!list.length) {
      ctx.io.out(`${def.name} offers no tools.`);
    } else {
      // Per tool: its name and description, then its parameters as `call --args` takes them.
      // Server text: one line each, no terminal escapes or bidirectional controls.
      const width = Math.max(...list.map((t) => oneLine(t.name, 100).length));
      const blocks = list.map((t) => {
        const params = toolParameters(t.inputSchema);
        const name = oneLine(t.name, 100);
        const description = oneLine((t.description ?? "").split("\n")[0]!, 100);
        const rows = params.map((p) => [
          oneLine(p.name, 60),
          oneLine(p.type, 60),
          p.required ? "required" : "optional",
          oneLine((p.description ?? "").split("\n")[0]!, 80),
        ]);
        const indent = " ".repeat(width + 4);
        const body = rows.length
          ? table(rows).split("\n").map((l) => indent + l)
          : [`${indent}(no parameters)`];
        return [`${name.padEnd(width)}  ${description}`.trimEnd(), ...body].join("\n");
      });
      ctx.io.out(blocks.join("\n"));
    }
    return 0;
  },
};
