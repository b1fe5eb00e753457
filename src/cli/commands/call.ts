/** `mcp-oauth call`: call one tool through authFetch. @module */
import { usageError } from "../args.ts";
import { str } from "../args.ts";
import type { Command } from "../command.ts";
import { McpOAuthError, oneLine } from "../../core/errors.ts";
import type { LeftOutTool } from "../mcp-client.ts";
import { safeJson, showable } from "../format.ts";
import { didYouMean } from "../suggest.ts";
import { formatParameters, toolParameters } from "../tool-params.ts";
import { SIGN_IN_HELP, SIGN_IN_OPTIONS, signInOptionsFrom } from "../sign-in-options.ts";

export const call: Command = {
  name: "call",
  summary: "call a server's tool (signing in first if needed)",
  usage: "call <name|url> <tool> [--args JSON] [--json] [sign-in options]",
  details: `Calls one tool with the MCP Streamable HTTP transport, through the same token
handling as "tools", in MCP 2026-07-28 or, with servers that do not speak it, the
initialize handshake (2025-11-25, 2025-06-18, 2025-03-26). Prints the text of the
result; exits 1 when the tool reports an error (naming the tool's parameters), or
when the server has no such tool (naming the close ones). With a 2026-07-28 server
the tool's listed definition is read first: arguments it marks with x-mcp-header
also go in Mcp-Param-* headers (SEP-2243), and a tool whose declaration is invalid
is not called.

--args JSON   the tool's arguments as a JSON object (default {})
--json        print the whole result: {"content": [...], "isError": ..., ...}

Sign-in options:
${SIGN_IN_HELP}

Examples:
  mcp-oauth call demo echo --args '{"text": "hello"}'
  mcp-oauth call linear list_issues --args '{"limit": 5}' --json`,
  options: { json: { type: "boolean" }, args: { type: "string" }, ...SIGN_IN_OPTIONS },
  positionals: { min: 2, max: 2, names: "a server name or URL and a tool name" },
  async run(ctx, args) {
    const options = signInOptionsFrom("call", args);
    const [target, tool] = args.positionals as [string, string];
    const raw = str(args, "args") ?? "{}";
    let toolArgs: unknown;
    try {
      toolArgs = JSON.parse(raw);
    } catch (err) {
      throw usageError("call", `--args is not valid JSON (${(err as Error).message})`);
    }
    if (!toolArgs || typeof toolArgs !== "object" || Array.isArray(toolArgs)) {
      throw usageError("call", '--args must be a JSON object such as \'{"text": "hi"}\'');
    }
    // The MCP client takes ~70 ms to load: only the commands that speak MCP pay for it.
    const { listTools, mcpFailure, withMcpClient } = await import("../mcp-client.ts");
    const def = await ctx.engine.resolve(target);
    const what = `tools/call "${oneLine(tool, 80)}"`;
    // On a failure, the tool list says whether the tool exists at all (servers word that
    // differently, as an error result or a JSON-RPC error) and what its parameters are.
    const { result, tools, thrown, leftOut } = await withMcpClient(
      ctx,
      def,
      options,
      async (client, requestOptions) => {
        let leftOut: LeftOutTool | undefined;
        // Over 2026-07-28 the tool's definition comes first: its x-mcp-header parameters go in
        // Mcp-Param-* headers (SEP-2243), which the client builds from it, and a tool the list
        // leaves out (an invalid declaration) must not be called.
        const listed = client.getProtocolEra() === "modern"
          ? await listTools(client, requestOptions, (t) => {
            if (t.name === tool) leftOut = t;
          }).catch((err) => {
            if (err instanceof McpOAuthError) throw err;
            return undefined;
          })
          : undefined;
        const toolDefinition = listed?.find((t) => t.name === tool);
        if (leftOut) return { result: undefined, tools: undefined, thrown: undefined, leftOut };
        if (listed && !toolDefinition) {
          return { result: undefined, tools: listed, thrown: undefined };
        }
        let result: Awaited<ReturnType<typeof client.callTool>> | undefined;
        let thrown: unknown;
        try {
          result = await client.callTool(
            { name: tool, arguments: toolArgs as Record<string, unknown> },
            toolDefinition ? { ...requestOptions, toolDefinition } : requestOptions,
          );
        } catch (err) {
          if (err instanceof McpOAuthError) throw err;
          thrown = await mcpFailure(err, ctx.engine, def, what);
        }
        const tools = listed ??
          (!result || result.isError
            ? await listTools(client, requestOptions).catch(() => undefined)
            : undefined);
        return { result, tools, thrown, leftOut };
      },
    );
    if (leftOut) {
      ctx.io.err(
        `mcp-oauth: ${def.name}'s tool "${
          oneLine(tool, 80)
        }" cannot be called: its x-mcp-header declaration is invalid (${
          oneLine(leftOut.reason, 200)
        }), and MCP clients must not call such a tool (SEP-2243); its server needs fixing.`,
      );
      return 1;
    }
    const known = tools?.find((t) => t.name === tool);
    if (tools && !known) {
      if (args.values.json && result) ctx.io.out(safeJson(result));
      ctx.io.err(
        `mcp-oauth: ${def.name} has no tool "${oneLine(tool, 80)}";${
          didYouMean(tool, tools.map((t) => t.name))
        } "mcp-oauth tools ${def.name}" lists its ${tools.length} tool${
          tools.length === 1 ? "" : "s"
        }.`,
      );
      return 1;
    }
    if (!result) throw thrown;
    if (args.values.json) {
      ctx.io.out(safeJson(result));
    } else {
      const content = Array.isArray(result.content) ? result.content : [];
      // Server text: lines kept, no terminal escapes or bidirectional controls.
      for (const part of content as { type: string; text?: string }[]) {
        ctx.io.out(
          part.type === "text"
            ? showable(String(part.text ?? ""))
            : `[${oneLine(String(part.type), 40)} content; use --json to see it]`,
        );
      }
      if (result.isError) {
        const params = known ? formatParameters(toolParameters(known.inputSchema)) : "";
        ctx.io.err(
          `mcp-oauth: the tool ${oneLine(tool, 80)} reported an error${
            known ? `; its parameters: ${params ? oneLine(params, 300) : "none"}` : ""
          }.`,
        );
      }
    }
    return result.isError ? 1 : 0;
  },
};
