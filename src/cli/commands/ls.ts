/** `mcp-oauth ls`: every server with its status. @module */
import type { ServerStatus } from "../../core/engine.ts";
import type { Command } from "../command.ts";
import { relativeTime, table } from "../format.ts";

/** Human wording of a status. */
export function describeStatus(s: ServerStatus, now = Date.now()): string {
  if (s.error) return "unreadable token entry";
  switch (s.state) {
    case "authorized":
      return s.expiresAt ? `authorized, expires ${relativeTime(s.expiresAt, now)}` : "authorized";
    case "expired-refreshable":
      return `expired ${s.expiresAt ? relativeTime(s.expiresAt, now) : ""}, refreshable`.replace(
        "  ",
        " ",
      );
    default:
      return "needs authorization";
  }
}

export const ls: Command = {
  name: "ls",
  summary: "list servers with their status",
  usage: "ls [--json]",
  details: `Shows, per server: status (authorized / expires in / expired but refreshable /
needs authorization), issuer, scopes and URL. Makes no network requests.

--json prints {"store": "...", "servers": [{"name", "url", "issuer", "status",
"expiresAt" (RFC 3339 or null), "scopes", "refreshable"}]}; status is one of
"authorized", "expired-refreshable", "needs-authorization".

Examples:
  mcp-oauth ls
  mcp-oauth ls --json | jq -r '.servers[] | select(.status != "authorized") | .name'`,
  options: { json: { type: "boolean" } },
  positionals: { min: 0, max: 0, names: "" },
  async run(ctx, args) {
    const defs = await ctx.engine.servers.list();
    const statuses = await Promise.all(defs.map((d) => ctx.engine.status(d)));
    if (args.values.json) {
      ctx.io.out(JSON.stringify(
        {
          store: ctx.engine.store.name,
          servers: statuses.map((s) => ({
            name: s.name,
            url: s.url,
            issuer: s.issuer ?? null,
            status: s.state,
            expiresAt: s.expiresAt ? new Date(s.expiresAt).toISOString() : null,
            scopes: s.scopes,
            refreshable: s.refreshable,
            ...(s.error ? { error: s.error } : {}),
          })),
        },
        null,
        2,
      ));
      return 0;
    }
    if (!statuses.length) {
      ctx.io.out(
        `No servers yet (store: ${ctx.engine.store.name}). Add one: mcp-oauth add <name> <url>`,
      );
      return 0;
    }
    const rows = [["NAME", "STATUS", "ISSUER", "SCOPES", "URL"]];
    for (const s of statuses) {
      rows.push([s.name, describeStatus(s), s.issuer ?? "-", s.scopes.join(" ") || "-", s.url]);
    }
    ctx.io.out(table(rows));
    ctx.io.out(`\nstore: ${ctx.engine.store.name} (${ctx.home})`);
    for (const s of statuses) if (s.error) ctx.io.err(`warning: ${s.name}: ${s.error}`);
    return 0;
  },
};
