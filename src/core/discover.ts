/**
 * Discovery (RFC 9728, MCP authorization server discovery): from an MCP server URL to its protected resource
 * metadata and authorization server metadata, with a trace of every request.
 * Independent probes run in parallel; the spec's order decides which answer
 * is used.
 *
 * @module
 */
import type * as oauth from "oauth4webapi";
import { ErrorCode, McpOAuthError, oneLine } from "./errors.ts";
import type { HttpContext } from "./http-context.ts";
import { RequestPolicy } from "./request-policy.ts";
import { Trace } from "./trace.ts";
import {
  assertAllowedUrl,
  authorizationServerMetadataUrls,
  canonicalResource,
  parseUrl,
  protectedResourceMetadataUrls,
} from "./urls.ts";
import type { BearerChallenge } from "./www-authenticate.ts";
import {
  challenged,
  fetchAsMetadata,
  type Fetched,
  fetchPrm,
  isFatal,
  pick,
  probe,
} from "./discovery-requests.ts";

/** RFC 9728 metadata as far as the engine uses it. */
export type ResourceMetadata = oauth.ResourceServer;
/** RFC 8414 / OpenID metadata. */
export type AuthorizationServerMetadata = oauth.AuthorizationServer;

/** Everything discovery learnt about one MCP server. */
export interface Discovery {
  /** The MCP server URL as given. */
  serverUrl: string;
  /** Its canonical form: the key its tokens are stored under. */
  resource: string;
  /**
   * The RFC 8707 `resource` to send: the PRM's `resource` byte for byte (the
   * server URL or a same-origin prefix of it), else {@link resource}.
   * @see https://datatracker.ietf.org/doc/html/rfc9728#section-3.3
   */
  resourceIndicator: string;
  /** Whether the unauthenticated probe was refused (401/403). */
  authRequired: boolean;
  /** The Bearer challenge of the probe, if any (RFC 9728 §5.1; MCP scope selection). */
  challenge?: BearerChallenge;
  prmUrl?: string;
  prm?: ResourceMetadata;
  issuer: string;
  /** URL the AS metadata came from; absent when 2025-03-26 default endpoints were assumed. */
  asMetadataUrl?: string;
  as: AuthorizationServerMetadata;
  /** True when the server has no PRM (MCP 2025-03-26 servers). */
  legacy: boolean;
  trace: Trace;
  /** Where this server's requests may go (the server's and its AS's hosts): sign-in uses it. */
  policy: RequestPolicy;
}

/** Options for {@link discover}. */
export interface DiscoverOptions {
  /** Use this PRM URL instead of the well-known ones. */
  resourceMetadataUrl?: string;
  /** Pick this AS when PRM lists several (RFC 9728 §2). */
  authorizationServer?: string;
  /**
   * The Bearer challenge of an MCP request that was just refused: it stands
   * in for the unauthenticated probe, saving a round, and its scope and
   * resource_metadata are used as the probe's would be.
   * @see https://datatracker.ietf.org/doc/html/rfc9728#section-5.1
   */
  challenge?: BearerChallenge;
  clock?: () => number;
  /** For a machine grant (core/grants): only the token endpoint is needed, not the authorization endpoint. */
  grant?: boolean;
}

/**
 * Discover PRM and AS metadata for `serverUrl`.
 * @see https://datatracker.ietf.org/doc/html/rfc9728#section-3
 * @see https://datatracker.ietf.org/doc/html/rfc8414#section-3
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#authorization-server-discovery
 */
export async function discover(
  http: HttpContext,
  serverUrl: string,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const server = assertAllowedUrl(
    parseUrl(serverUrl, "MCP server URL"),
    "MCP server URL",
    http.allowInsecureHttp,
  );
  const resource = canonicalResource(server);
  const trace = new Trace(options.clock);
  // Every URL below is allowed by this policy before it is requested (https, SSRF guard).
  const policy = new RequestPolicy(http, server);
  const wellKnown = options.resourceMetadataUrl
    ? [options.resourceMetadataUrl]
    : protectedResourceMetadataUrls(server);

  // Round 1: the unauthenticated probe beside the first PRM candidate (MCP authorization server discovery). The root URL is
  // asked only when the path-inserted one fails: a client that asks for the root while the
  // path-inserted metadata answers picks the wrong resource's metadata (RFC 9728 §3.1).
  const [first, ...later] = wellKnown;
  const given = options.challenge;
  // A challenge that names its metadata makes the well-known URLs moot.
  const skipWellKnown = !!given?.resourceMetadata && !options.resourceMetadataUrl;
  const [probed, firstPrm] = await Promise.all([
    given ? challenged(given, server, trace) : probe(http, server, trace),
    skipWellKnown ? undefined : fetchPrm(http, policy, first!, resource, trace, 1),
  ]);
  const candidates = firstPrm ? [firstPrm] : [];
  let round = given && skipWellKnown ? 0 : 1;
  // As the URL parser writes it: control characters percent-encoded, never printed raw.
  const fromHeader = normalUrl(probed.challenge?.resourceMetadata);
  if (probed.challenge && fromHeader) probed.challenge.resourceMetadata = fromHeader;
  const ordered: Fetched<ResourceMetadata>[] = [];
  if (fromHeader && !options.resourceMetadataUrl) {
    // RFC 9728 §5.1: the header's URL wins; fetch it unless round 1 already did.
    const known = candidates.find((c) => c.url === fromHeader);
    const named = known ??
      await fetchPrm(
        http,
        policy,
        fromHeader,
        resource,
        trace,
        ++round,
        "The resource_metadata URL",
      );
    // RFC 9728 §5.1: "use exactly that URL": a server that names its metadata is no 2025-03-26 server,
    // so neither the well-known URLs nor the 2025-03-26 fallback may stand in for it.
    if (!named.ok) {
      if (
        named.error.code === ErrorCode.RESOURCE_MISMATCH ||
        named.error.code === ErrorCode.UNTRUSTED_HOST
      ) throw named.error;
      throw explained(
        "The resource metadata the server's 401 names could not be used (RFC 9728 §5.1)",
        named,
        "check the server URL, or tell the server's operator",
      );
    }
    ordered.push(named);
  }
  ordered.push(...candidates.filter((c) => c.url !== fromHeader));
  if (!fromHeader && firstPrm && !firstPrm.ok && !isFatal(firstPrm.error) && later.length) {
    round++;
    for (const url of later) {
      ordered.push(await fetchPrm(http, policy, url, resource, trace, round));
    }
  }
  const prmResult = pick(ordered, trace, "prm");

  let issuer: string;
  let legacy = false;
  const answered = ordered.find((c) => !c.ok && c.status === 200);
  if (!prmResult && answered && !answered.ok) {
    // A PRM exists but is unusable: this is no 2025-03-26 server, so no 2025-03-26 fallback.
    throw answered.error;
  }
  if (!prmResult && probed.status === 0) {
    // Nothing answered at all: not a 2025-03-26 server, just unreachable.
    throw probed.error ??
      new McpOAuthError(ErrorCode.NETWORK, `Could not reach ${server.href}; check the URL.`);
  }
  if (prmResult) {
    if (prmResult.value.resource !== resource) {
      trace.add({
        kind: "prm",
        round,
        method: "-",
        url: prmResult.url,
        outcome: "info",
        detail: `resource parameter: ${
          oneLine(prmResult.value.resource, 200)
        } as the metadata names it (it covers ${resource})`,
      }, trace.clock());
    }
    issuer = chooseIssuer(prmResult.value, prmResult.url, options.authorizationServer);
  } else {
    // MCP 2025-03-26 fallback: no PRM at all, so the MCP server's origin is the authorization server.
    legacy = true;
    issuer = server.origin;
    trace.add({
      kind: "fallback",
      round,
      method: "-",
      url: server.origin,
      outcome: "info",
      detail:
        "no protected resource metadata; using the server's origin as the authorization server (MCP 2025-03-26 fallback)",
    }, trace.clock());
  }

  const issuerUrl = assertAllowedUrl(
    parseUrl(issuer, "Authorization server"),
    "Authorization server",
    http.allowInsecureHttp,
  );
  if (issuerUrl.search || issuerUrl.hash) {
    // RFC 8414 §2: an issuer has no query or fragment; metadata URLs could not be built from one.
    throw new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      `The authorization server ${issuer} has a query or fragment, which an issuer may not have (RFC 8414 §2); tell the server's operator.`,
    );
  }
  policy.adoptIssuer(issuerUrl, "Authorization server");
  round++;
  const asCandidates = await Promise.all(
    authorizationServerMetadataUrls(issuerUrl).map((url) =>
      fetchAsMetadata(http, policy, url, issuerUrl, trace, round, legacy ? server : undefined)
    ),
  );
  const asResult = pick(asCandidates, trace, "as-metadata");
  let as: AuthorizationServerMetadata;
  if (asResult) {
    as = asResult.value;
  } else if (legacy && probed.notMcp) {
    // No metadata anywhere, and the URL answers an MCP request as no MCP server does: a website
    // or a wrong path, not a 2025-03-26 server; inventing endpoints would only mislead.
    throw new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      `${server.href} does not look like an MCP server: it answered ${probed.status} to an MCP request and publishes no OAuth metadata; check the URL (most MCP endpoints end in /mcp).`,
    );
  } else if (legacy) {
    as = defaultEndpoints(issuerUrl);
    trace.add({
      kind: "fallback",
      round,
      method: "-",
      url: issuerUrl.origin,
      outcome: "info",
      detail:
        "no authorization server metadata; assuming /authorize, /token, /register (MCP 2025-03-26 fallback)",
    }, trace.clock());
  } else {
    const mismatch = asCandidates.find((c) => !c.ok && c.error.code === ErrorCode.ISSUER_MISMATCH);
    if (mismatch && !mismatch.ok) throw mismatch.error;
    // The preferred URL that answered anything but 404 says what is wrong (MCP discovery order).
    const telling = asCandidates.find((c) => !c.ok && c.status !== 404);
    if (telling && !telling.ok) {
      throw explained(
        `No usable authorization server metadata for ${issuer}`,
        telling,
        "check the server's authorization_servers, or tell its operator",
      );
    }
    throw new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      `No authorization server metadata for ${issuer} (tried ${
        asCandidates.map((c) => c.url).join(", ")
      }); check the server's authorization_servers.`,
    );
  }
  for (
    const key of [
      "authorization_endpoint",
      "token_endpoint",
      "registration_endpoint",
      "revocation_endpoint",
      "device_authorization_endpoint",
    ] as const
  ) {
    const value = as[key];
    if (value !== undefined && typeof value !== "string") {
      throw new McpOAuthError(
        ErrorCode.DISCOVERY_FAILED,
        `Authorization server metadata of ${issuer} has a ${key} that is not a URL string; tell the server's operator.`,
      );
    }
    if (value !== undefined) {
      const url = policy.allow(value, `AS metadata ${key}`);
      // Kept as the URL parser writes it, so no control character is ever printed or sent.
      as = { ...as, [key]: url.href };
    }
  }
  if ((!as.authorization_endpoint && !options.grant) || !as.token_endpoint) {
    throw new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      `Authorization server metadata of ${issuer} lacks ${
        as.authorization_endpoint ? "token_endpoint" : "authorization_endpoint"
      }; the server cannot be used for sign-in.`,
    );
  }
  return {
    serverUrl,
    resource,
    // Byte for byte as the PRM says (RFC 9728 §3.3): the AS may compare it exactly.
    resourceIndicator: prmResult ? prmResult.value.resource : resource,
    authRequired: probed.status === 401 || probed.status === 403,
    challenge: probed.challenge,
    prmUrl: prmResult?.url,
    prm: prmResult?.value,
    issuer: as.issuer,
    asMetadataUrl: asResult?.url,
    as,
    legacy,
    trace,
    policy,
  };
}

function chooseIssuer(prm: ResourceMetadata, prmUrl: string, configured?: string): string {
  const list = Array.isArray(prm.authorization_servers)
    ? prm.authorization_servers.filter((s) => typeof s === "string")
    : [];
  if (configured) {
    if (list.includes(configured) || list.length === 0) return configured;
    throw new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      `The configured authorization server ${configured} is not among those listed at ${prmUrl} (${
        list.join(", ")
      }).`,
    );
  }
  if (!list[0]) {
    throw new McpOAuthError(
      ErrorCode.DISCOVERY_FAILED,
      `Protected resource metadata at ${prmUrl} lists no authorization_servers; the server cannot be signed in to.`,
    );
  }
  return list[0];
}

/** 2025-03-26 default endpoints for servers that publish no metadata at all. */
function defaultEndpoints(issuer: URL): AuthorizationServerMetadata {
  const o = issuer.origin;
  return {
    issuer: o,
    authorization_endpoint: `${o}/authorize`,
    token_endpoint: `${o}/token`,
    registration_endpoint: `${o}/register`,
    // The 2025-03-26 revision makes PKCE S256 mandatory for these servers.
    code_challenge_methods_supported: ["S256"],
  };
}

/**
 * A failed fetch's error under a heading. A timeout or unreachable host keeps
 * its own advice (retry, check the server is up); a 5xx says retry later; any
 * other failure keeps its fact, with `advice` instead of its own advice.
 */
function explained(
  heading: string,
  failed: { error: McpOAuthError; status?: number },
  advice: string,
): McpOAuthError {
  const err = failed.error;
  // A server error is no configuration problem: it may pass.
  if ((failed.status ?? 0) >= 500) advice = "the server failed; retry later, or tell its operator";
  if (err.code === ErrorCode.TIMEOUT || err.code === ErrorCode.NETWORK) {
    return new McpOAuthError(err.code, `${heading}: ${err.message}`, { cause: err });
  }
  return new McpOAuthError(err.code, "", { cause: err, fact: `${heading}: ${err.fact}`, advice });
}

function normalUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return new URL(value).href;
  } catch {
    return value;
  }
}
