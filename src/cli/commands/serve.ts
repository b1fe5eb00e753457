/** `mcp-oauth serve`: the dashboard on loopback. @module */
import { isLoopbackHost } from "../../core/urls.ts";
import { ProxyKeyFile } from "../../store/proxy-key.ts";
import { int, str, usageError } from "../args.ts";
import type { Command } from "../command.ts";
import { carriedGlobals } from "../client-config.ts";
import { openForwarded } from "../open-forwarded.ts";
import { redactStored } from "../redact.ts";

export const serve: Command = {
  name: "serve",
  summary: "run the dashboard (and OAuth callback) on 127.0.0.1",
  usage: "serve [--port 7777] [--host 127.0.0.1] [--open] [--allow-remote]",
  details: `Serves the dashboard: every server with its status, and buttons to add,
authorize, refresh, test, revoke and remove, plus each server's discovery trace.
Sign-ins started there come back to /callback on the same port. It also serves
an authenticating MCP proxy at /mcp/<name> for clients that cannot do OAuth
(they present mcp-oauth's proxy key; see "mcp-oauth config").

The address printed at start carries a per-launch access key once; the page then
holds it and sends it in a header (never a cookie: cookies go to every port of
127.0.0.1). A reload in the same tab keeps working; a new tab needs the address.
Requests must name this host (DNS rebinding) and changes must come from the
dashboard's own origin.

Options:
  --port N         port to listen on (default 7777; 0 picks a free one)
  --host H         address to bind (default 127.0.0.1)
  --allow-remote   needed with a --host that is not loopback (not recommended)
  --open           open the dashboard in the browser ($BROWSER or the platform's),
                   through a one-time local link, so the key is not in its command line

Examples:
  mcp-oauth serve --open
  mcp-oauth serve --port 8080`,
  options: {
    port: { type: "string" },
    host: { type: "string" },
    open: { type: "boolean" },
    "allow-remote": { type: "boolean" },
  },
  positionals: { min: 0, max: 0, names: "" },
  async run(ctx, args) {
    const port = int("serve", args, "port", 0, 65_535) ?? 7777;
    const host = str(args, "host") ?? "127.0.0.1";
    const loopback = isLoopbackHost(host);
    if (!loopback && args.values["allow-remote"] !== true) {
      throw usageError(
        "serve",
        `--host ${host} is not a loopback address; add --allow-remote if you really mean it`,
      );
    }
    const [{ dashboardApp }, { assets }, { withMcpSession, listTools }, { signInService }] =
      await Promise.all([
        import("../../http/dashboard/app.ts"),
        import("../../http/dashboard/assets.ts"),
        import("../mcp-client.ts"),
        import("../sign-in.ts"),
      ]);
    const secret = randomKey();
    const proxyKeys = new ProxyKeyFile(ctx.home);
    await proxyKeys.get(); // made now, so `mcp-oauth config` and the proxy agree from the start
    // The app needs the bound port (its origin), so it is made once the listener is up.
    const ready: { app?: ReturnType<typeof dashboardApp> } = {};
    const listener = await ctx.runtime.serve((req) => ready.app!.fetch(req), {
      hostname: host,
      port,
    });
    const bound = listener.port;
    const hosts = loopback
      ? [`127.0.0.1:${bound}`, `localhost:${bound}`, `[::1]:${bound}`]
      : [`${host}:${bound}`];
    const origin = `http://${hosts[0]}`;
    ready.app = dashboardApp({
      engine: ctx.engine,
      origin,
      hosts,
      secret,
      home: ctx.home,
      assets,
      listTools: (def) => withMcpSession(ctx.engine, def, undefined, listTools),
      callTool: (def, tool, toolArgs) =>
        withMcpSession(ctx.engine, def, undefined, async (client, requestOptions) => {
          const result = await client.callTool({ name: tool, arguments: toolArgs }, requestOptions);
          // The server's text may echo a token: stored secrets never reach the page.
          const content = await Promise.all(
            (Array.isArray(result.content) ? result.content : []).map(async (part) =>
              part.type === "text"
                ? { ...part, text: await redactStored(ctx.engine, def, part.text) }
                : { type: part.type }
            ),
          );
          return { content, isError: result.isError === true };
        }),
      clientGlobals: await carriedGlobals(ctx, args),
      proxyKey: () => proxyKeys.get(),
      signIns: signInService(ctx),
    });
    const url = `${origin}/?k=${secret}`;
    if (!loopback) {
      ctx.io.err(
        `warning: serving on ${host}, reachable from other machines; anyone with the address can use your tokens.`,
      );
    }
    ctx.io.err(`mcp-oauth dashboard: ${url}\n(store: ${ctx.engine.store.name}; Ctrl-C stops it)`);
    ctx.io.err(`MCP proxy: ${origin}/mcp/<name> (key: see "mcp-oauth config <name> --client …")`);
    // The browser's command line is readable by every local user while it runs: it gets a
    // one-time local link to the address with the key, valid for two minutes.
    const forwarded = args.values.open
      ? await openForwarded(ctx, url, undefined, 120_000)
      : undefined;
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await forwarded?.close();
    await listener.close();
    return 0;
  },
};

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}
