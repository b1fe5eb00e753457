/** `mcp-oauth authorize`: sign in through the browser. @module */
import { compatArg, str, usageError } from "../args.ts";
import { dockerStoreWarning } from "../docker-store-warning.ts";
import type { Command } from "../command.ts";
import { relativeTime } from "../format.ts";
import { SIGN_IN_HELP, SIGN_IN_OPTIONS, signInOptionsFrom } from "../sign-in-options.ts";

export const authorize: Command = {
  name: "authorize",
  summary: "sign in through the browser and store the tokens",
  usage:
    'authorize <name|url> [--scopes "a b"] [--browser CMD|none] [--device] [--port N] [--redirect-uri URI] [--client-id ID] [--client-secret S | --client-secret-file PATH] [--client-metadata-url URL] [--timeout SECONDS] [--compat docker]',
  details: `Discovers the server's authorization server, registers a client if needed, starts a
callback listener on 127.0.0.1, opens the authorization URL in a browser and waits
for the sign-in. The URL is always printed too. If another mcp-oauth process is
already signing in to the same server, this one waits for that sign-in instead.
A server added with "--grant" (client credentials, a workload JWT) needs no
sign-in: authorize gets a new token through its grant, with no browser.

Options:
${SIGN_IN_HELP}
  --compat docker     also keep the tokens in Docker MCP gateway's layout (remembered)

Examples:
  mcp-oauth authorize notion
  mcp-oauth authorize https://mcp.linear.app/mcp --browser firefox
  ssh box mcp-oauth authorize sentry --browser none
  mcp-oauth authorize demo --device`,
  options: { ...SIGN_IN_OPTIONS, compat: { type: "string" } },
  positionals: { min: 1, max: 1, names: "a server name or URL" },
  async run(ctx, args) {
    const options = signInOptionsFrom("authorize", args);
    const compat = compatArg("authorize", str(args, "compat"));
    let def = await ctx.engine.resolve(args.positionals[0]!);
    if (compat && def.adhoc) {
      throw usageError(
        "authorize",
        `--compat docker needs a named server: run "mcp-oauth add NAME ${def.url} --compat docker" first`,
      );
    }
    if (compat && def.compat !== compat) await ctx.engine.servers.put(def = { ...def, compat });
    if (compat || def.compat === "docker") {
      const warning = dockerStoreWarning(ctx.engine.store);
      if (warning) ctx.io.err(warning);
    }
    const { signIn } = await import("../sign-in.ts");
    const done = await signIn(ctx, def, options);
    if (done.dockerNote) ctx.io.err(`warning: ${done.dockerNote}`);
    ctx.io.out(
      `Authorized ${def.name} at ${done.issuer}` +
        (done.scope ? ` with scopes "${done.scope}"` : "") +
        (done.expiresAt ? `; the token expires ${relativeTime(done.expiresAt)}.` : "."),
    );
    return 0;
  },
};
