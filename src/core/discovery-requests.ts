/**
 * The requests of discovery, each traced: the unauthenticated probe of the
 * MCP server, protected resource metadata and authorization server metadata
 * (with the checks that bind them to the server and the issuer), and the
 * choice among answers in the specification's order. discover.ts runs them.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import type { AuthorizationServerMetadata, ResourceMetadata } from "./discover.ts";
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";
import { NetworkError } from "./http.ts";
import type { HttpContext } from "./http-context.ts";
import type { RequestPolicy } from "./request-policy.ts";
import type { Trace } from "./trace.ts";
import { assertAllowedUrl, canonicalResource, parseUrl } from "./urls.ts";
import { type BearerChallenge, bearerChallenge } from "./www-authenticate.ts";

/** One request's outcome: the value, or the error and the status it came with. */
export type Fetched<T> = { ok: true; value: T; url: string } | {
  ok: false;
  url: string;
  status?: number;
  error: McpOAuthError;
};

/**
 * The unauthenticated probe: a 2026-07-28 `server/discover` with the headers
 * that revision requires, so a server that checks them before authentication
 * still answers with its challenge. Servers of older revisions put their
 * Bearer check in front of the method anyway; only the challenge is read.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports
 */
const PROBE_VERSION = "2026-07-28";
const PROBE = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "server/discover",
  params: {
    _meta: {
      "io.modelcontextprotocol/protocolVersion": PROBE_VERSION,
      "io.modelcontextprotocol/clientInfo": { name: "mcp-oauth", version: "0" },
      "io.modelcontextprotocol/clientCapabilities": {},
    },
  },
});

/** The probe's result from a challenge the caller already has: no request. */
export function challenged(challenge: BearerChallenge, server: URL, trace: Trace) {
  trace.add({
    kind: "probe",
    round: 0,
    method: "-",
    url: server.href,
    status: 401,
    outcome: "info",
    detail: `Bearer challenge of the refused MCP request${
      challenge.resourceMetadata ? ` with resource_metadata ${challenge.resourceMetadata}` : ""
    }${challenge.scope ? `, scope "${challenge.scope}"` : ""}`,
  }, trace.clock());
  return { status: 401, challenge: { ...challenge }, error: undefined, notMcp: false };
}

export async function probe(http: HttpContext, server: URL, trace: Trace) {
  const started = trace.clock();
  try {
    const res = await http.unread(server, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": PROBE_VERSION,
        "mcp-method": "server/discover",
      },
      body: PROBE,
    });
    // The body is never needed and may be an endless event stream.
    await res.body?.cancel().catch(() => {});
    const challenge = bearerChallenge(res.headers.get("www-authenticate"));
    trace.add({
      kind: "probe",
      round: 1,
      method: "POST",
      url: server.href,
      status: res.status,
      outcome: "info",
      detail: challenge
        ? `${challenge.scheme === "dpop" ? "DPoP" : "Bearer"} challenge${
          challenge.resourceMetadata ? ` with resource_metadata ${challenge.resourceMetadata}` : ""
        }${challenge.scope ? `, scope "${challenge.scope}"` : ""}`
        : res.status === 401
        ? "401 without a Bearer challenge"
        : `answered ${res.status} without authentication`,
    }, started);
    // What no MCP endpoint answers to a JSON-RPC POST: no route, no POST, a web page.
    const notMcp = [404, 405, 501].includes(res.status) ||
      /text\/html/i.test(res.headers.get("content-type") ?? "");
    return { status: res.status, challenge, notMcp };
  } catch (err) {
    trace.add({
      kind: "probe",
      round: 1,
      method: "POST",
      url: server.href,
      outcome: "failed",
      detail: describe(err),
    }, started);
    const error = err instanceof McpOAuthError ? err : new McpOAuthError(
      ErrorCode.NETWORK,
      `Could not reach ${server.href} (${describe(err)}); check the URL.`,
      { cause: err },
    );
    return { status: 0, challenge: undefined, error, notMcp: false };
  }
}

export async function fetchPrm(
  http: HttpContext,
  policy: RequestPolicy,
  url: string,
  resource: string,
  trace: Trace,
  round: number,
  named?: string,
): Promise<Fetched<ResourceMetadata>> {
  return await fetchJson(http, policy, url, trace, round, "prm", named, async (res) => {
    try {
      return await oauth.processResourceDiscoveryResponse(new URL(resource), res);
    } catch (err) {
      // oauth4webapi compares hrefs; a trailing slash alone is not a different resource.
      const body = (err as { cause?: { body?: { resource?: unknown } } }).cause?.body;
      if (
        (err as { code?: string }).code === oauth.JSON_ATTRIBUTE_COMPARISON &&
        typeof body?.resource === "string"
      ) {
        if (sameResource(body.resource, resource) || isPrefixResource(body.resource, resource)) {
          return body as ResourceMetadata;
        }
        throw new McpOAuthError(
          ErrorCode.RESOURCE_MISMATCH,
          `Protected resource metadata at ${url} is for "${
            oneLine(body.resource, 120)
          }", not ${resource} (RFC 9728 §3.3); not authorizing. Check the server URL.`,
        );
      }
      throw err;
    }
  });
}

/**
 * Whether the PRM's `resource` is a same-origin path prefix of the server's
 * (`https://host` or `https://host/api` for `https://host/api/mcp`): one
 * protected resource serving several paths, as a PRM at the root describes it.
 * Another origin, or a path that is not a whole-segment prefix, is refused.
 * @see https://datatracker.ietf.org/doc/html/rfc9728#section-3.3
 */
function isPrefixResource(prmResource: string, serverResource: string): boolean {
  let prm: URL, server: URL;
  try {
    prm = new URL(prmResource);
    server = new URL(serverResource);
  } catch {
    return false;
  }
  if (prm.origin !== server.origin || prm.search || prm.hash || prm.username || prm.password) {
    return false;
  }
  const base = prm.pathname.replace(/\/+$/, "");
  return base === "" || server.pathname === base || server.pathname.startsWith(`${base}/`);
}

function sameResource(a: string, b: string): boolean {
  try {
    return canonicalResource(a) === canonicalResource(b);
  } catch {
    return false;
  }
}

/**
 * AS metadata from `url`, whose `issuer` must be `issuer` (RFC 8414 §3.3).
 * `legacyServer`: a 2025-03-26 server without PRM, whose metadata at its
 * origin may name an issuer below that origin (`https://host/oauth`); that
 * spec revision derived the metadata URL from the server alone, so such an
 * issuer is taken as the metadata says (and its `iss` is then checked
 * against it), never one on another origin.
 * @see https://modelcontextprotocol.io/specification/2025-03-26/basic/authorization#server-metadata-discovery
 */
export async function fetchAsMetadata(
  http: HttpContext,
  policy: RequestPolicy,
  url: string,
  issuer: URL,
  trace: Trace,
  round: number,
  legacyServer?: URL,
): Promise<Fetched<AuthorizationServerMetadata>> {
  return await fetchJson(http, policy, url, trace, round, "as-metadata", undefined, async (res) => {
    const copy = legacyServer ? res.clone() : undefined;
    try {
      return await oauth.processDiscoveryResponse(issuer, res);
    } catch (err) {
      if ((err as { code?: string }).code === oauth.JSON_ATTRIBUTE_COMPARISON) {
        const body = (err as { cause?: { body?: { issuer?: unknown } } }).cause?.body;
        const named = typeof body?.issuer === "string" && URL.canParse(body.issuer)
          ? new URL(body.issuer)
          : undefined;
        if (
          copy && legacyServer && named?.origin === legacyServer.origin && !named.search &&
          !named.hash
        ) {
          return await oauth.processDiscoveryResponse(named, copy);
        }
        throw new McpOAuthError(
          ErrorCode.ISSUER_MISMATCH,
          `Authorization server metadata at ${url} names the issuer "${
            oneLine(String(body?.issuer), 120)
          }", not ${issuer.href.replace(/\/$/, "")} (RFC 8414 §3.3); not using it.`,
        );
      }
      throw err;
    }
  });
}

async function fetchJson<T>(
  http: HttpContext,
  policy: RequestPolicy,
  url: string,
  trace: Trace,
  round: number,
  kind: "prm" | "as-metadata",
  named: string | undefined,
  process: (res: Response) => Promise<T>,
): Promise<Fetched<T>> {
  const started = trace.clock();
  let status: number | undefined;
  try {
    const what = kind === "prm" ? "Resource metadata URL" : "Metadata URL";
    // The scheme is named as a metadata URL; a host outside the server's, as where it came from.
    const target = policy.allow(
      assertAllowedUrl(parseUrl(url, what), what, http.allowInsecureHttp),
      named ?? what,
    );
    const res = await http.bounded(target, { headers: { accept: "application/json" } });
    status = res.status;
    if (res.status !== 200) {
      throw new McpOAuthError(ErrorCode.DISCOVERY_FAILED, `${url} answered ${res.status}`);
    }
    const value = await process(res);
    trace.add({
      kind,
      round,
      method: "GET",
      url,
      status,
      outcome: "used",
      detail: summary(kind, value),
    }, started);
    return { ok: true, value, url };
  } catch (err) {
    if (err instanceof NetworkError && status === undefined) status = err.status;
    const error = err instanceof McpOAuthError ? err : new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      "",
      {
        cause: err,
        fact: `${
          kind === "prm" ? "Protected resource" : "Authorization server"
        } metadata at ${url} is unusable (${describe(err)})`,
        advice: "check the server URL, or tell the server's operator",
      },
    );
    trace.add(
      { kind, round, method: "GET", url, status, outcome: "failed", detail: error.message },
      started,
    );
    return { ok: false, url, status, error };
  }
}

/**
 * The first success in order wins; later successes are marked ignored. A
 * resource mismatch is fatal (RFC 9728 §3.3): a server that says it is someone else must
 * not be authorized through a fallback.
 */
export function pick<T>(
  results: Fetched<T>[],
  trace: Trace,
  kind: "prm" | "as-metadata",
): Fetched<T> & { ok: true } | undefined {
  for (const r of results) {
    if (!r.ok && isFatal(r.error)) throw r.error;
    if (r.ok) {
      for (const other of results) {
        if (other !== r && other.ok) {
          const step = trace.steps.find((s) =>
            s.kind === kind && s.url === other.url && s.outcome === "used"
          );
          if (step) step.outcome = "ignored";
        }
      }
      return r;
    }
  }
  return undefined;
}

/** A server that says it is someone else, or points elsewhere: no fallback may stand in. */
export function isFatal(error: McpOAuthError): boolean {
  return error.code === ErrorCode.RESOURCE_MISMATCH || error.code === ErrorCode.UNTRUSTED_HOST;
}

/** One line for the trace; metadata fields may have any type, so lists are checked. */
function summary(kind: "prm" | "as-metadata", value: unknown): string {
  const list = (v: unknown, sep: string) => Array.isArray(v) ? v.map(String).join(sep) : undefined;
  if (kind === "prm") {
    const prm = value as ResourceMetadata;
    const scopes = list(prm.scopes_supported, " ");
    return `resource ${prm.resource}; authorization_servers ${
      JSON.stringify(prm.authorization_servers ?? [])
    }` + (scopes ? `; scopes ${scopes}` : "");
  }
  const as = value as AuthorizationServerMetadata;
  return `issuer ${as.issuer}; PKCE ${
    list(as.code_challenge_methods_supported, ",") ?? "not advertised"
  }` +
    `; registration ${as.registration_endpoint ? "yes" : "no"}; revocation ${
      as.revocation_endpoint ? "yes" : "no"
    }`;
}

/** A short, secret-free description of any error. */
export function describe(err: unknown): string {
  if (err instanceof McpOAuthError) return err.message;
  if (err instanceof Error) return oneLine(err.message, 200);
  return oneLine(String(err), 200);
}
