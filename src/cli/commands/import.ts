/** `mcp-oauth import docker`: adopt what Docker's MCP gateway authorized. @module */
import { usageError } from "../args.ts";
import type { Command } from "../command.ts";

export const importCommand: Command = {
  name: "import",
  summary: "import servers Docker's MCP gateway authorized",
  usage: "import docker",
  details: `Reads the entries Docker's MCP gateway (CE mode) keeps in the credential store
("https://NAME.mcp-dcr" clients and their tokens) and copies each into mcp-oauth's
own records: a server named like Docker's, with --compat docker, so refreshes here
keep Docker's copy fresh too. Use it with the store Docker uses: --store docker.

Example:
  mcp-oauth import docker --store docker`,
  options: {},
  positionals: { min: 1, max: 1, names: "what to import (docker)" },
  async run(ctx, args) {
    if (args.positionals[0] !== "docker") {
      throw usageError("import", `cannot import "${args.positionals[0]}"; use "import docker"`);
    }
    const { imported, skipped } = await ctx.engine.importDocker();
    for (const name of skipped) {
      ctx.io.err(
        `warning: skipped ${name}: no token, or the name is taken by another URL.`,
      );
    }
    ctx.io.out(
      imported.length
        ? `Imported ${imported.length} server${imported.length === 1 ? "" : "s"} from Docker: ${
          imported.join(", ")
        }.`
        : `No servers authorized by Docker were found in ${ctx.engine.store.name}.`,
    );
    return 0;
  },
};
