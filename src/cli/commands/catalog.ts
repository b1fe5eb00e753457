/** `mcp-oauth catalog`: the built-in well-known servers. @module */
import { CATALOG, catalogEntry } from "../../catalog/catalog.ts";
import { usageError } from "../args.ts";
import type { Command } from "../command.ts";
import { table } from "../format.ts";

export const catalogCommand: Command = {
  name: "catalog",
  summary: "list the well-known servers that add knows by name",
  usage: "catalog [name] [--json]",
  details: `Lists the built-in catalog of remote MCP servers that sign in with OAuth: the name
"mcp-oauth add NAME" takes without a URL, the URL, its MCP transport, how the client
gets registered (dcr: automatically; pre-registered: bring --client-id), and what to
know before signing in. With a name, shows that entry's notes. Makes no network requests.

--json prints {"servers": [{"name", "title", "url", "transport", "registration",
"scopes"?, "resource"?, "notes", "docs"?}]}.

Examples:
  mcp-oauth catalog
  mcp-oauth catalog github
  mcp-oauth catalog --json | jq -r '.servers[] | select(.registration == "dcr") | .name'`,
  options: { json: { type: "boolean" } },
  positionals: { min: 0, max: 1, names: "at most one name" },
  usesStore: false,
  // deno-lint-ignore require-await
  async run(ctx, args) {
    const name = args.positionals[0];
    const entries = name ? [catalogEntry(name)] : [...CATALOG];
    if (!entries[0]) {
      throw usageError("catalog", `"${name}" is not in the catalog`);
    }
    const list = entries as typeof CATALOG[number][];
    if (args.values.json) {
      ctx.io.out(JSON.stringify({ servers: list }, null, 2));
      return 0;
    }
    if (name) {
      const e = list[0]!;
      ctx.io.out(
        `${e.name}: ${e.title}\n  url:          ${e.url}\n  transport:    ${e.transport}\n` +
          `  registration: ${e.registration}\n` +
          (e.scopes ? `  scopes:       ${e.scopes.join(" ")}\n` : "") +
          (e.resource === false ? "  resource:     not sent\n" : "") +
          `  notes:        ${e.notes}\n` + (e.docs ? `  docs:         ${e.docs}\n` : "") +
          `Add it: mcp-oauth add ${e.name}${
            e.registration === "pre-registered" ? " --client-id ID --client-secret SECRET" : ""
          }`,
      );
      return 0;
    }
    const rows = [["NAME", "TITLE", "TRANSPORT", "REGISTRATION", "URL"]];
    for (const e of list) rows.push([e.name, e.title, e.transport, e.registration, e.url]);
    ctx.io.out(table(rows));
    ctx.io.out(`\nAdd one: mcp-oauth add NAME. Details: mcp-oauth catalog NAME`);
    return 0;
  },
};
