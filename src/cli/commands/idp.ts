/**
 * `mcp-oauth idp`: enterprise identity providers for enterprise-managed authorization (MCP
 * SEP-990). An IdP is defined once (`idp add`), the person signs in to it once (`idp sign-in`,
 * in the browser or with an id_token the platform gave), and every server added with
 * `add --idp NAME` gets its tokens from it without a browser.
 *
 * @see https://github.com/modelcontextprotocol/ext-auth (enterprise-managed authorization)
 * @module
 */
import { ErrorCode, McpOAuthError } from "../../core/errors.ts";
import { defineIdp } from "../../core/idp/idp-discovery.ts";
import {
  assertIdpName,
  idpKey,
  listIdpNames,
  readIdp,
  removeIdp,
  requireIdp,
  summarize,
  writeIdp,
} from "../../core/idp/idp-record.ts";
import { withSession } from "../../core/idp/idp-session.ts";
import { SignInMarkers } from "../../store/sign-in-marker.ts";
import { int, type ParsedArgs, str, usageError } from "../args.ts";
import { readOptionFile } from "../option-file.ts";
import { CLIENT_SECRET_ENV } from "../client-secret.ts";
import type { Command } from "../command.ts";
import type { CliContext } from "../context.ts";
import { relativeTime, table } from "../format.ts";

const SUBCOMMANDS = ["add", "sign-in", "ls", "remove"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** Which options each subcommand takes (the global ones aside). */
const TAKES: Record<Subcommand, string[]> = {
  // "client-secret" is no option (a secret in argv is visible to every local user): main
  // reads --client-secret-file or the environment into it.
  add: ["client-id", "client-secret-file"],
  "sign-in": ["id-token-file", "browser", "port", "timeout"],
  ls: ["json"],
  remove: [],
};

export const idp: Command = {
  name: "idp",
  summary: "define and sign in to an enterprise identity provider (cross-app access)",
  usage:
    "idp add <name> <issuer> --client-id ID [--client-secret-file PATH] | idp sign-in <name> [--id-token-file PATH|-] [--browser CMD|none] [--port N] [--timeout SECONDS] | idp ls [--json] | idp remove <name>",
  details: `Enterprise-managed authorization (MCP SEP-990, "cross-app access"): sign in once to your
company's identity provider (Okta, Entra ID, …); every MCP server added with
"mcp-oauth add NAME URL --idp IDP --client-id ID" then gets its tokens without a browser:
mcp-oauth exchanges the IdP's id_token for an ID-JAG (RFC 8693) and presents it to the
server's authorization server (RFC 7523 jwt-bearer). The IdP's client secret, id_token and
refresh token live in the credential store only. When the IdP session ends, commands say to
run "mcp-oauth idp sign-in IDP" again.

Subcommands:
  add <name> <issuer>   define an IdP: OpenID discovery of the issuer (its
                        /.well-known/openid-configuration); the client mcp-oauth is
                        registered as there
    --client-id ID                  the IdP client's id (from the IdP's administrators)
    --client-secret-file PATH       its secret, if it has one ("-": the first line of
                                    stdin); or set ${CLIENT_SECRET_ENV}
  sign-in <name>        sign in to the IdP in the browser (OpenID Connect, PKCE; scope
                        "openid", plus "offline_access" when offered, so the session
                        outlives the id_token); the redirect URI is
                        http://127.0.0.1:PORT/callback
    --id-token-file PATH|-          instead, import an id_token the platform gave
                                    (checked: a JWT of this issuer, not expired)
    --browser CMD|none              the browser command; "none": paste the redirect
    --port N                        listen for the callback on this port
    --timeout SECONDS               give up after this long (default 300)
  ls                    the IdPs and their sessions (--json); no network requests
  remove <name>         forget an IdP and the session with it

Examples:
  # an enterprise laptop: one sign-in to the IdP, then every server without a browser
  mcp-oauth idp add corp https://login.corp.example --client-id 0oa1mcpoauth
  mcp-oauth idp sign-in corp
  ${CLIENT_SECRET_ENV}="$SECRET" mcp-oauth add wiki https://wiki.corp.example/mcp --idp corp --client-id wiki-client
  mcp-oauth add crm https://crm.example.com/mcp --idp corp --client-id crm-client
  mcp-oauth tools wiki`,
  options: {
    "client-id": { type: "string" },
    // Read by main (client-secret.ts) into "client-secret" before the command runs.
    "client-secret-file": { type: "string" },
    "id-token-file": { type: "string" },
    browser: { type: "string" },
    port: { type: "string" },
    timeout: { type: "string" },
    json: { type: "boolean" },
  },
  positionals: { min: 1, max: 3, names: "a subcommand (add, sign-in, ls, remove)" },
  async run(ctx, args) {
    const [sub, ...rest] = args.positionals as [string, ...string[]];
    if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw usageError("idp", `unknown subcommand "${sub}" (add, sign-in, ls or remove)`);
    }
    checkOptions(sub as Subcommand, args);
    switch (sub as Subcommand) {
      case "add":
        return await add(ctx, args, positionals(rest, 2, "add <name> <issuer>"));
      case "sign-in":
        return await signIn(ctx, args, positionals(rest, 1, "sign-in <name>")[0]!);
      case "ls":
        positionals(rest, 0, "ls");
        return await list(ctx, args);
      case "remove":
        return await remove(ctx, positionals(rest, 1, "remove <name>")[0]!);
    }
  },
};

function positionals(rest: string[], n: number, usage: string): string[] {
  if (rest.length !== n) throw usageError("idp", `usage: mcp-oauth idp ${usage}`);
  return rest;
}

function checkOptions(sub: Subcommand, args: ParsedArgs): void {
  for (const [name, value] of Object.entries(args.values)) {
    if (value === undefined || !(name in idp.options) || TAKES[sub].includes(name)) continue;
    throw usageError("idp", `idp ${sub} takes no --${name}`);
  }
}

async function add(ctx: CliContext, args: ParsedArgs, [name, issuer]: string[]): Promise<number> {
  assertIdpName(name!);
  const clientId = str(args, "client-id");
  if (!clientId) {
    throw usageError(
      "idp",
      "idp add needs --client-id: the id of the client mcp-oauth is registered as at the IdP",
    );
  }
  const secret = str(args, "client-secret");
  const now = Date.now();
  const defined = await defineIdp(ctx.engine.http, {
    name: name!,
    issuer: issuer!,
    clientId,
    clientSecret: secret,
  }, now);
  const previous = await readIdp(ctx.engine.store, name!).catch(() => undefined);
  // Redefining the same IdP and client keeps the person's session.
  const keep = previous?.issuer === defined.issuer && previous.client_id === clientId;
  await writeIdp(ctx.engine.store, {
    ...defined,
    ...(keep && previous.id_token
      ? {
        id_token: previous.id_token,
        id_token_expires_at: previous.id_token_expires_at,
        signed_in_at: previous.signed_in_at,
      }
      : {}),
    ...(keep && previous.refresh_token ? { refresh_token: previous.refresh_token } : {}),
  });
  ctx.io.out(
    `${previous ? "Updated" : "Added"} the identity provider ${name} (${defined.issuer}). ` +
      (keep && (previous.id_token || previous.refresh_token)
        ? "Its session was kept."
        : `Next: mcp-oauth idp sign-in ${name}`),
  );
  return 0;
}

async function signIn(ctx: CliContext, args: ParsedArgs, name: string): Promise<number> {
  const record = await requireIdp(ctx.engine.store, name);
  const file = str(args, "id-token-file");
  let next;
  if (file !== undefined) {
    for (const flag of ["browser", "port", "timeout"]) {
      if (args.values[flag] !== undefined) {
        throw usageError(
          "idp",
          `--id-token-file signs in without a browser: it takes no --${flag}`,
        );
      }
    }
    const idToken = await readIdToken(ctx, file);
    next = withSession(record, { idToken }, Date.now());
    await writeIdp(ctx.engine.store, next);
  } else {
    const browser = str(args, "browser");
    const timeoutS = int("idp", args, "timeout", 1, 86_400) ?? 300;
    const { cliCapabilities } = await import("../sign-in.ts");
    const { signInToIdp } = await import("../../core/idp/idp-sign-in.ts");
    // One sign-in to an IdP at a time, across processes, with the markers of server sign-ins.
    const claim = await new SignInMarkers(ctx.home).claim(
      idpKey(name),
      Date.now() + timeoutS * 1000,
    );
    if (!claim.claimed) {
      throw new McpOAuthError(
        ErrorCode.SIGN_IN_IN_PROGRESS,
        `Another mcp-oauth process (pid ${claim.holder.pid}) is already signing in to the identity provider ${name}${
          claim.holder.url ? `; finish it at ${claim.holder.url}` : ""
        }.`,
      );
    }
    try {
      next = await signInToIdp(
        ctx.engine.http,
        ctx.engine.store,
        record,
        { timeoutS, port: int("idp", args, "port", 1, 65_535), pasteOnly: browser === "none" },
        cliCapabilities(ctx, { browser, timeoutS }),
        Date.now,
      );
    } finally {
      await claim.release();
    }
  }
  ctx.io.out(
    `Signed in to the identity provider ${name}` +
      (next.id_token_expires_at
        ? `; the id_token expires ${relativeTime(next.id_token_expires_at)}` +
          (next.refresh_token ? " and is refreshed from then on." : ".")
        : "."),
  );
  return 0;
}

/** The id_token of a file, or of the first line of stdin ("-"); never shown in a message. */
async function readIdToken(ctx: CliContext, path: string): Promise<string> {
  let text = await readOptionFile("idp", "--id-token-file", path, ctx.io, "line");
  text = text?.trim();
  if (!text) {
    throw usageError(
      "idp",
      `--id-token-file ${path === "-" ? "- (stdin)" : path} holds no id_token`,
    );
  }
  return text;
}

async function list(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const now = Date.now();
  const names = await listIdpNames(ctx.engine.store);
  const records = (await Promise.all(names.map((n) => readIdp(ctx.engine.store, n))))
    .filter((r) => r !== undefined);
  const summaries = records.map((r) => summarize(r, now));
  const servers = await ctx.engine.servers.list();
  const users = (idp: string) =>
    servers.filter((s) => s.grant?.kind === "id_jag" && s.grant.idp === idp).map((s) => s.name);
  if (args.values.json) {
    ctx.io.out(JSON.stringify(
      {
        idps: summaries.map((s) => ({
          name: s.name,
          issuer: s.issuer,
          clientId: s.clientId,
          status: s.state,
          idTokenExpiresAt: s.idTokenExpiresAt ? new Date(s.idTokenExpiresAt).toISOString() : null,
          servers: users(s.name),
        })),
      },
      null,
      2,
    ));
    return 0;
  }
  if (!summaries.length) {
    ctx.io.out(
      'No identity providers. Define one with "mcp-oauth idp add NAME ISSUER --client-id ID".',
    );
    return 0;
  }
  const status = (s: (typeof summaries)[number]) =>
    s.state === "signed-in"
      ? `signed in${
        s.idTokenExpiresAt ? `, id_token expires ${relativeTime(s.idTokenExpiresAt, now)}` : ""
      }`
      : s.state === "refreshable"
      ? "id_token expired, refreshable"
      : "not signed in";
  ctx.io.out(table([
    ["NAME", "STATUS", "ISSUER", "CLIENT", "SERVERS"],
    ...summaries.map((
      s,
    ) => [s.name, status(s), s.issuer, s.clientId, users(s.name).join(",") || "-"]),
  ]));
  return 0;
}

async function remove(ctx: CliContext, name: string): Promise<number> {
  if (!(await removeIdp(ctx.engine.store, name))) {
    throw new McpOAuthError(
      ErrorCode.UNKNOWN_SERVER,
      `No identity provider named "${name}"; see "mcp-oauth idp ls".`,
    );
  }
  const users = (await ctx.engine.servers.list())
    .filter((s) => s.grant?.kind === "id_jag" && s.grant.idp === name).map((s) => s.name);
  ctx.io.out(`Removed the identity provider ${name} and the session with it.`);
  if (users.length) {
    ctx.io.err(
      `warning: ${users.join(", ")} ${
        users.length === 1 ? "uses" : "use"
      } ${name}: define it again with "mcp-oauth idp add ${name} ..." before using ${
        users.length === 1 ? "it" : "them"
      }.`,
    );
  }
  return 0;
}
