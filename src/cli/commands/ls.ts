/** `mcp-oauth ls`: every server with its status. @module */
import { dockerStatus, readDockerServers } from "../../store/docker-compat.ts";
import type { ServerStatus } from "../../core/engine.ts";
import type { Command } from "../command.ts";
import { relativeTime, table } from "../format.ts";
import { describeGrant } from "../../core/grants/grant.ts";

/** Human wording of a status. */
export function describeStatus(s: ServerStatus, now = Date.now()): string {
  if (s.error) return "unreadable token entry";
  switch (s.state) {
    case "authorized": {
      // A DPoP-bound token (RFC 9449) works only through mcp-oauth's proofs: say so.
      const bound = s.dpop ? " (DPoP)" : "";
      return s.expiresAt
        ? `authorized${bound}, expires ${relativeTime(s.expiresAt, now)}`
        : `authorized${bound}`;
    }
    case "expired-refreshable":
      return `expired ${s.expiresAt ? relativeTime(s.expiresAt, now) : ""}, refreshable`.replace(
        "  ",
        " ",
      );
    default:
      // A machine grant gets its next token by itself: nothing for a person to do.
      if (s.grant) {
        return s.expiresAt
          ? `expired ${relativeTime(s.expiresAt, now)}, renewed on use`
          : "no token yet, obtained on use";
      }
      return "needs authorization";
  }
}

export const ls: Command = {
  name: "ls",
  summary: "list servers with their status",
  usage: "ls [--json]",
  details: `Shows, per server: status (authorized / expires in / expired but refreshable /
needs authorization, then the machine grant that gets its tokens, if any: client
credentials, workload JWT, enterprise IdP), issuer, scopes and URL. Makes no
network requests.

--json prints {"store": "...", "servers": [{"name", "url", "issuer", "status",
"expiresAt" (RFC 3339 or null), "scopes", "refreshable", "grant" ("browser",
"client credentials (private_key_jwt)", "workload JWT", …)}], "docker": [{"name",
"url", "issuer", "status", "expiresAt"}]}; status is one of "authorized",
"expired-refreshable", "needs-authorization". "docker" lists servers Docker's MCP
gateway authorized in the same credential store that mcp-oauth does not track; their
"url" is Docker's resourceUrl (may be the bare origin) and "issuer" is null for
entries the gateway wrote (it keeps none; "import docker" finds it by discovery).

Examples:
  mcp-oauth ls
  mcp-oauth ls --json | jq -r '.servers[] | select(.status != "authorized") | .name'`,
  options: { json: { type: "boolean" } },
  positionals: { min: 0, max: 0, names: "" },
  async run(ctx, args) {
    const defs = await ctx.engine.servers.list();
    const statuses = await Promise.all(defs.map((d) => ctx.engine.status(d)));
    // Servers Docker's gateway authorized in this store that mcp-oauth does not track yet.
    const known = new Set(defs.map((d) => d.name));
    const docker = ctx.engine.store.name === "file"
      ? []
      : (await readDockerServers(ctx.engine.store)).filter((d) => !known.has(d.client.serverName));
    const dockerRows = docker.map(({ client, token }) => ({
      name: client.serverName,
      // What Docker knows without a network request: the gateway keeps no issuer, and its
      // resourceUrl may be the server's origin rather than the MCP URL.
      url: client.resourceUrl ?? null,
      issuer: client.authorizationServer ?? null,
      ...dockerStatus(token, Date.now()),
    }));
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
            grant: describeGrant(s.grant),
            ...(s.dpop ? { dpop: true } : {}),
            ...(s.error ? { error: s.error } : {}),
          })),
          docker: dockerRows.map((d) => ({
            name: d.name,
            url: d.url,
            issuer: d.issuer,
            status: d.state,
            expiresAt: d.expiresAt ? new Date(d.expiresAt).toISOString() : null,
          })),
        },
        null,
        2,
      ));
      return 0;
    }
    if (dockerRows.length) {
      const rows = [["NAME (authorized by Docker)", "STATUS", "ISSUER", "URL"]];
      for (const d of dockerRows) {
        rows.push([
          d.name,
          describeStatus({ state: d.state, expiresAt: d.expiresAt } as ServerStatus),
          d.issuer ?? "-",
          d.url ?? "-",
        ]);
      }
      ctx.io.out(table(rows));
      ctx.io.out(
        `Adopt them with: mcp-oauth import docker --store ${
          ctx.engine.store.name.startsWith("docker") ? "docker" : ctx.engine.store.name
        }\n`,
      );
    }
    if (!statuses.length) {
      ctx.io.out(
        `No servers yet (store: ${ctx.engine.store.name}). Add one: mcp-oauth add <name> <url>`,
      );
      return 0;
    }
    const rows = [["NAME", "STATUS", "ISSUER", "SCOPES", "URL"]];
    for (const s of statuses) {
      // A machine grant is named after the status; a browser sign-in, the usual case, is not.
      const status = s.grant
        ? `${describeStatus(s)}; ${describeGrant(s.grant)}`
        : describeStatus(s);
      rows.push([s.name, status, s.issuer ?? "-", s.scopes.join(" ") || "-", s.url]);
    }
    ctx.io.out(table(rows));
    ctx.io.out(`\nstore: ${ctx.engine.store.name}; config: ${ctx.home}`);
    for (const s of statuses) if (s.error) ctx.io.err(`warning: ${s.name}: ${s.error}`);
    return 0;
  },
};
