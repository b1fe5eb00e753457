/** `mcp-oauth relay`: run the redirect relay locally. @module */
import { int, str } from "../args.ts";
import type { Command } from "../command.ts";

export const relay: Command = {
  name: "relay",
  summary: "run the stateless redirect relay (for providers that refuse loopback redirects)",
  usage: "relay [--port 8788] [--host 127.0.0.1]",
  details: `Serves GET /callback: an authorization response whose state is mcp-oauth:PORT:NONCE
(or Docker's mcp-gateway:PORT:UUID) is redirected to http://localhost:PORT/callback with
the same OAuth parameters and the bare nonce as state. Anything else is refused with a
page that says why. It stores and logs nothing; deploy the same module (src/relay.ts)
to Deno Deploy, Cloudflare Workers or Bun, behind https, and sign in with
  mcp-oauth authorize NAME --redirect-uri https://YOUR-RELAY/callback

Examples:
  mcp-oauth relay --port 8788
  mcp-oauth authorize notion --redirect-uri http://127.0.0.1:8788/callback --port 49152`,
  options: { port: { type: "string" }, host: { type: "string" } },
  positionals: { min: 0, max: 0, names: "" },
  usesStore: false,
  async run(ctx, args) {
    const { relayApp } = await import("../../http/relay.ts");
    const listener = await ctx.runtime.serve(relayApp().fetch, {
      hostname: str(args, "host") ?? "127.0.0.1",
      port: int("relay", args, "port", 0, 65_535) ?? 8788,
    });
    ctx.io.err(
      `mcp-oauth relay: http://${listener.hostname}:${listener.port}/callback (Ctrl-C stops it)`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await listener.close();
    return 0;
  },
};
