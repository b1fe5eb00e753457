/** `mcp-oauth add`: define a server by name. @module */
import { catalogEntryForUrl } from "../../catalog/catalog.ts";
import { ErrorCode, McpOAuthError } from "../../core/errors.ts";
import { compatArg, type ParsedArgs, str, usageError } from "../args.ts";
import { dockerStoreWarning } from "../docker-store-warning.ts";
import { CLIENT_SECRET_ENV } from "../client-secret.ts";
import type { Command } from "../command.ts";
import { GRANT_OPTIONS, grantOptions, PRIVATE_KEY_ENV } from "../grant-options.ts";
import { describeGrant } from "../../core/grants/grant.ts";
import { requireIdp } from "../../core/idp/idp-record.ts";

export const add: Command = {
  name: "add",
  summary: "define a server by name",
  usage:
    'add <name> [url] [--scopes "a b"] [--client-id ID] [--client-secret S | --client-secret-file PATH] [--client-metadata-url URL] [--no-resource] [--compat docker] [--grant client-credentials|jwt-bearer ... | --idp NAME] [--dpop | --no-dpop]',
  details: `Without a URL, the name must be one of the built-in catalog's well-known servers
(notion, linear, sentry, atlassian, github, stripe, …: see "mcp-oauth catalog"); the
catalog also supplies what the server needs (scopes, no resource parameter).

Options:
  --scopes "a b"            request these scopes instead of the server's choice
  --client-id ID            use a client registered with the provider (no DCR)
  --client-secret S         its secret (kept in the credential store, not the config);
                            visible to other local users while the command runs, so
                            prefer one of these:
  --client-secret-file PATH read the secret from a file ("-": the first line of stdin)
  ${CLIENT_SECRET_ENV}   (environment) the secret, read only when --client-id
                            is given in the same command
  --client-metadata-url URL a Client ID Metadata Document URL
  --no-resource             do not send the RFC 8707 resource parameter
  --compat docker           also keep the tokens in Docker MCP gateway's layout, so
                            "docker mcp gateway run" can use them
  --dpop                    require DPoP-bound tokens (RFC 9449); the sign-in fails if
                            the provider has no DPoP. Without it, tokens are bound
                            whenever the provider supports DPoP
  --no-dpop                 never bind tokens: Bearer tokens, which "mcp-oauth token"
                            can print for scripts (a bound one is useless alone)

Machine grants (no person, no browser; token, tools, call, the proxy and stdio
get and renew tokens by themselves):
  --grant client-credentials
                            the client credentials grant (SEP-1046, RFC 6749 4.4) of
                            the --client-id client, authenticated with its secret
                            (as above: client_secret_basic, or _post when the server
                            lists only that) or with a private key:
  --private-key-file PATH   its PKCS#8 PEM private key ("-": stdin; or set
                            ${PRIVATE_KEY_ENV}) for private_key_jwt (RFC 7523);
                            kept in the credential store
  --signing-alg ALG         ES256, ES384, ES512, RS256, PS256, EdDSA, …
                            (default: the key's type decides)
  --grant jwt-bearer        workload identity federation (SEP-1933, RFC 7523 2.1):
                            present the JWT the platform gives this workload, with
                            the --client-id the authorization server trusts; no
                            secret, one attempt
  --assertion-file PATH     the file the platform writes the JWT to (re-read at
                            every token request)
  --assertion-env VAR       or the environment variable that holds it
  --idp NAME                enterprise-managed authorization (SEP-990): the token
                            comes through the enterprise IdP NAME (see "mcp-oauth
                            idp"): its id_token exchanged for an ID-JAG, presented
                            with --client-id (and its secret, as above)

Examples:
  mcp-oauth add notion
  mcp-oauth add work-linear https://mcp.linear.app/mcp
  mcp-oauth add github --client-id Ov23liAbc --client-secret-file ~/.secrets/github
  ${CLIENT_SECRET_ENV}="$SECRET" mcp-oauth add github --client-id Ov23liAbc
  mcp-oauth add my-server https://mcp.example.com/mcp --scopes "read write" --no-resource
  ${CLIENT_SECRET_ENV}="$CI_SECRET" mcp-oauth add ci https://mcp.example.com/mcp \\
    --grant client-credentials --client-id ci-bot
  mcp-oauth add ci https://mcp.example.com/mcp --grant client-credentials \\
    --client-id ci-bot --private-key-file ci-bot.pem --signing-alg ES256
  mcp-oauth add ci https://mcp.example.com/mcp --grant jwt-bearer \\
    --client-id ci-workload --assertion-file /var/run/secrets/tokens/mcp
  ${CLIENT_SECRET_ENV}="$SECRET" mcp-oauth add wiki https://wiki.corp.example/mcp \\
    --idp corp --client-id wiki-client`,
  options: {
    scopes: { type: "string" },
    "client-id": { type: "string" },
    "client-secret": { type: "string" },
    // Read by main (client-secret.ts) into "client-secret" before the command runs.
    "client-secret-file": { type: "string" },
    "client-metadata-url": { type: "string" },
    "no-resource": { type: "boolean" },
    compat: { type: "string" },
    ...GRANT_OPTIONS,
    dpop: { type: "boolean" },
    "no-dpop": { type: "boolean" },
  },
  positionals: { min: 1, max: 2, names: "a name (and a URL unless the name is in the catalog)" },
  async run(ctx, args) {
    const [name, url] = args.positionals as [string, string | undefined];
    const { grant, privateKey } = await grantOptions("add", args, ctx.io);
    // The IdP must be defined first: one line now rather than at the first token.
    if (grant?.kind === "id_jag") await requireIdp(ctx.engine.store, grant.idp);
    const { updated, definition } = await ctx.engine.addServer({
      name,
      url,
      scopes: str(args, "scopes"),
      clientId: str(args, "client-id"),
      clientSecret: str(args, "client-secret"),
      clientMetadataUrl: str(args, "client-metadata-url"),
      resource: args.values["no-resource"] ? false : undefined,
      compat: compatArg("add", str(args, "compat")),
      ...(grant ? { grant } : {}),
      ...(privateKey ? { privateKey } : {}),
      dpop: dpopArg(args),
    });
    const warning = definition.compat === "docker" && dockerStoreWarning(ctx.engine.store);
    if (warning) ctx.io.err(warning);
    const known = catalogEntryForUrl(definition.url);
    ctx.io.out(
      definition.grant
        ? `${updated ? "Updated" : "Added"} ${name} (${definition.url}, ${
          describeGrant(definition.grant)
        }): no browser sign-in; tokens are obtained on use. Try: mcp-oauth token ${name}`
        : `${updated ? "Updated" : "Added"} ${name} (${definition.url}${
          url ? "" : ", from the built-in catalog"
        }). Next: mcp-oauth authorize ${name}`,
    );
    if (known) ctx.io.out(`Note: ${known.notes}`);
    return 0;
  },
};

/** Fail with UNKNOWN_SERVER unless the name is configured. */
export function unknownServer(name: string): McpOAuthError {
  return new McpOAuthError(
    ErrorCode.UNKNOWN_SERVER,
    `No server named "${name}"; see "mcp-oauth ls".`,
  );
}

/** `--dpop` (required), `--no-dpop` (never) or neither (whenever the provider offers it). */
function dpopArg(args: ParsedArgs): boolean | undefined {
  if (args.values.dpop && args.values["no-dpop"]) {
    throw usageError("add", "give --dpop or --no-dpop, not both");
  }
  return args.values.dpop ? true : args.values["no-dpop"] ? false : undefined;
}
