/** `mcp-oauth discover`: show what discovery finds, step by step. @module */
import { chooseDpopAlgorithm } from "../../core/dpop.ts";
import { selectScopes } from "../../core/scopes.ts";
import type { Command } from "../command.ts";

export const discoverCommand: Command = {
  name: "discover",
  summary: "run discovery and show each step",
  usage: "discover <name|url> [--json]",
  details: `Probes the MCP server, fetches its protected resource metadata (RFC 9728) and its
authorization server metadata (RFC 8414 / OpenID), and prints every URL tried, in
parallel rounds, with what was learnt. Registers nothing and stores nothing.

"grants" and "client auth" are the AS's grant_types_supported and
token_endpoint_auth_methods_supported: client_credentials allows
"add --grant client-credentials" (client_secret_basic/_post, or private_key_jwt with
a key), jwt-bearer allows "add --grant jwt-bearer" (a workload's JWT) and "--idp".
"DPoP" is the AS's dpop_signing_alg_values_supported (RFC 9449): with it, or when the
server challenges with DPoP, tokens are bound to a key of mcp-oauth's (the one named).

--json prints {"resource", "prmUrl", "issuer", "asMetadataUrl", "legacy",
"scopes", "endpoints": {...}, "pkce", "grantTypes", "tokenEndpointAuthMethods",
"dpopSigningAlgs" (lists, or null when the AS lists none), "dpop" (the algorithm
tokens are bound with, or null), "trace": {"requests", "rounds", "steps": [...]}}.

Examples:
  mcp-oauth discover https://mcp.linear.app/mcp
  mcp-oauth discover notion --json`,
  options: { json: { type: "boolean" } },
  positionals: { min: 1, max: 1, names: "a server name or URL" },
  async run(ctx, args) {
    const def = await ctx.engine.resolve(args.positionals[0]!);
    const d = await ctx.engine.discover(def);
    const scopes = selectScopes({
      configured: def.scopes,
      challenge: d.challenge?.scope,
      prm: d.prm,
      as: d.as,
    });
    const endpoints = {
      authorization: d.as.authorization_endpoint,
      token: d.as.token_endpoint,
      registration: d.as.registration_endpoint ?? null,
      revocation: d.as.revocation_endpoint ?? null,
    };
    const methods = d.as.code_challenge_methods_supported;
    const pkce = Array.isArray(methods) && methods.includes("S256");
    // What the AS lists (RFC 8414 §2), as given: which machine grants `add --grant` can use.
    const list = (v: unknown) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : null;
    const grantTypes = list(d.as.grant_types_supported);
    const authMethods = list(d.as.token_endpoint_auth_methods_supported);
    const dpopAlgs = list(d.as.dpop_signing_alg_values_supported);
    // What a sign-in would bind its tokens with (RFC 9449 §5.1); never a refusal here.
    const dpop = def.dpop === false ? undefined : chooseDpopAlgorithm({
      advertised: d.as.dpop_signing_alg_values_supported,
      challenged: d.challenge?.scheme === "dpop",
      server: def.name,
      issuer: d.issuer,
    });
    if (args.values.json) {
      ctx.io.out(JSON.stringify(
        {
          resource: d.resource,
          authRequired: d.authRequired,
          prmUrl: d.prmUrl ?? null,
          issuer: d.issuer,
          asMetadataUrl: d.asMetadataUrl ?? null,
          legacy: d.legacy,
          scopes,
          endpoints,
          pkce,
          grantTypes,
          tokenEndpointAuthMethods: authMethods,
          dpopSigningAlgs: dpopAlgs,
          dpop: dpop ?? null,
          trace: { requests: d.trace.requests, rounds: d.trace.rounds, steps: d.trace.steps },
        },
        null,
        2,
      ));
      return 0;
    }
    for (const s of d.trace.steps) {
      const status = s.status ? String(s.status) : s.method === "-" ? "" : "---";
      ctx.io.out(
        `round ${s.round}  ${s.method.padEnd(4)} ${status.padEnd(3)} ${
          String(Math.round(s.ms)).padStart(5)
        }ms  ${s.url}`,
      );
      ctx.io.out(`          ${s.outcome}: ${s.detail}`);
    }
    ctx.io.out("");
    ctx.io.out(`resource        ${d.resource}`);
    ctx.io.out(`metadata        ${d.prmUrl ?? "none (2025-03-26 server)"}`);
    ctx.io.out(
      `issuer          ${d.issuer}${
        d.asMetadataUrl ? ` (from ${d.asMetadataUrl})` : " (default endpoints)"
      }`,
    );
    ctx.io.out(`authorization   ${endpoints.authorization}`);
    ctx.io.out(`token           ${endpoints.token}`);
    ctx.io.out(`registration    ${endpoints.registration ?? "not offered (needs --client-id)"}`);
    ctx.io.out(`revocation      ${endpoints.revocation ?? "not offered"}`);
    ctx.io.out(
      `PKCE S256       ${
        pkce ? "yes" : def.grant ? "no (not needed: machine grant)" : "NO: sign-in will be refused"
      }`,
    );
    ctx.io.out(
      `grants          ${
        grantTypes ? grantTypes.map(grantName).join(", ") || "(none listed)" : "not listed"
      }`,
    );
    ctx.io.out(
      `client auth     ${
        authMethods
          ? authMethods.join(", ") || "(none listed)"
          : "not listed (client_secret_basic by default)"
      }`,
    );
    ctx.io.out(
      `DPoP            ${
        dpop
          ? `${dpopAlgs?.join(", ") || "challenged by the server"}: tokens bound with ${dpop}`
          : dpopAlgs?.length && def.dpop === false
          ? `${dpopAlgs.join(", ")}: not used (--no-dpop), Bearer tokens`
          : dpopAlgs?.length
          ? `${dpopAlgs.join(", ")}: none mcp-oauth has, Bearer tokens`
          : "not offered (Bearer tokens)"
      }`,
    );
    ctx.io.out(`scopes          ${scopes.join(" ") || "(none requested)"}`);
    ctx.io.out(`${d.trace.requests} requests in ${d.trace.rounds} sequential rounds`);
    return 0;
  },
};

/** A grant type URI as a person knows it (RFC 7523 §2.1, RFC 8628, RFC 8693). */
function grantName(type: string): string {
  const names: Record<string, string> = {
    "urn:ietf:params:oauth:grant-type:jwt-bearer": "jwt-bearer",
    "urn:ietf:params:oauth:grant-type:device_code": "device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange": "token-exchange",
  };
  return names[type] ?? type;
}
