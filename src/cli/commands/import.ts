/**
 * `mcp-oauth import docker`: adopt what Docker's MCP gateway authorized.
 * `mcp-oauth import docker-catalog FILE`: add the remote OAuth servers of a Docker MCP catalog.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { builtInCatalog } from "../../catalog/catalog.ts";
import { parseDockerCatalog } from "../../catalog/docker-catalog.ts";
import { importFromDocker } from "../../store/docker-import.ts";
import { ErrorCode, McpOAuthError } from "../../core/errors.ts";
import { compatArg, str, usageError } from "../args.ts";
import type { Command } from "../command.ts";
import type { CliContext } from "../context.ts";
import { dockerStoreWarning } from "../docker-store-warning.ts";

export const importCommand: Command = {
  name: "import",
  summary: "import servers from Docker's MCP gateway or a Docker MCP catalog file",
  usage: "import docker | import docker-catalog FILE [--compat docker]",
  details: `import docker
  Reads the entries Docker's MCP gateway (CE mode) keeps in the credential store
  ("https://NAME.mcp-dcr" clients and their tokens) and copies each into mcp-oauth's
  own records: a server named like Docker's, with --compat docker, so refreshes here
  keep Docker's copy fresh too. The server's URL is the one mcp-oauth already has for
  that name, else the built-in catalog's, else Docker's resourceUrl; its authorization
  server is found by discovery. Servers left out are named with the reason. Use it
  with the store Docker uses: --store docker.

import docker-catalog FILE
  Adds every remote server that signs in with OAuth (type: remote, a remote.url and
  an oauth section) from a Docker MCP catalog: a catalog file (registry: {NAME: ...},
  e.g. ~/.docker/mcp/catalogs/docker-mcp.yaml, or "docker mcp catalog show NAME
  --format json"), or one servers/NAME/server.yaml of docker/mcp-registry. Servers
  keep the catalog's names; a name already used for another URL is skipped. YAML is
  read in the subset Docker's files use (no anchors, aliases or tags): convert
  anything else to JSON.

Options:
  --compat docker   (docker-catalog) keep the tokens in Docker MCP gateway's layout too,
                    so "docker mcp gateway run" can use the servers signed in here

Examples:
  mcp-oauth import docker --store docker
  mcp-oauth import docker-catalog ~/.docker/mcp/catalogs/docker-mcp.yaml --compat docker
  docker mcp catalog show docker-mcp --format json > catalog.json && mcp-oauth import docker-catalog catalog.json`,
  options: { compat: { type: "string" } },
  positionals: { min: 1, max: 2, names: "what to import (docker, or docker-catalog FILE)" },
  async run(ctx, args) {
    const [what, file] = args.positionals;
    if (what === "docker-catalog") {
      if (!file) throw usageError("import", '"import docker-catalog" needs the catalog FILE');
      return await importCatalog(ctx, file, compatArg("import", str(args, "compat")));
    }
    if (what !== "docker") {
      throw usageError(
        "import",
        `cannot import "${what}"; use "import docker" or "import docker-catalog FILE"`,
      );
    }
    if (file) throw usageError("import", `unexpected argument "${file}" for "import docker"`);
    if (str(args, "compat")) {
      throw usageError("import", '"import docker" always keeps Docker\'s layout: drop --compat');
    }
    // Docker's records are read at the storage edge; the engine lends its discovery.
    const { imported, skipped } = await importFromDocker(
      ctx.engine,
      (name) => builtInCatalog.entry(name)?.url,
    );
    for (const { name, reason } of skipped) ctx.io.err(`warning: skipped ${name}: ${reason}.`);
    ctx.io.out(
      imported.length
        ? `Imported ${imported.length} server${imported.length === 1 ? "" : "s"} from Docker: ${
          imported.join(", ")
        }.`
        : skipped.length
        ? `Imported no server from Docker (${skipped.length} skipped, see above).`
        : `No servers authorized by Docker were found in ${ctx.engine.store.name}.`,
    );
    return 0;
  },
};

async function importCatalog(
  ctx: CliContext,
  file: string,
  compat: "docker" | undefined,
): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `cannot read ${file}: ${(err as { code?: string }).code ?? (err as Error).message}`,
    );
  }
  const catalog = parseDockerCatalog(text);
  const warning = compat && dockerStoreWarning(ctx.engine.store);
  if (warning) ctx.io.err(warning);
  const added: string[] = [];
  const unchanged: string[] = [];
  let failed = false;
  for (const server of catalog.servers) {
    const existing = await ctx.engine.servers.get(server.name);
    if (existing && existing.url !== server.url) {
      ctx.io.err(
        `warning: skipped ${server.name}: that name is already used for ${existing.url}.`,
      );
      continue;
    }
    if (existing && (!compat || existing.compat === compat)) {
      unchanged.push(server.name);
      continue;
    }
    try {
      await ctx.engine.addServer({
        name: server.name,
        url: server.url,
        ...(existing?.scopes ? { scopes: existing.scopes.join(" ") } : {}),
        ...(existing?.clientId ? { clientId: existing.clientId } : {}),
        ...(existing?.resource === false ? { resource: false } : {}),
        compat: compat ?? existing?.compat,
      });
      added.push(server.name);
    } catch (err) {
      failed = true;
      ctx.io.err(`warning: skipped ${server.name}: ${(err as Error).message}`);
    }
  }
  const n = (k: number) => `${k} server${k === 1 ? "" : "s"}`;
  ctx.io.out(
    (added.length ? `Added ${n(added.length)}: ${added.join(", ")}.` : "Added no server.") +
      (unchanged.length ? ` Already there: ${unchanged.join(", ")}.` : "") +
      ` Left out ${catalog.skipped.length} entr${
        catalog.skipped.length === 1 ? "y" : "ies"
      } that are not remote OAuth servers.` +
      (added.length ? ` Next: mcp-oauth authorize ${added[0]}` : ""),
  );
  return failed && !added.length ? 1 : 0;
}
