/**
 * Discovery URL construction end to end (issue 10): for random MCP server URLs, challenges,
 * resource metadata and issuers, record every request discover() makes through the
 * HttpContext. Round 1 never leaves the MCP server's origin (S1, S2), AS metadata is only
 * requested on the issuer's origin (S5), a resource_metadata URL from the 401 is followed only
 * on the server's own host or loopback, and hostile metadata ends in a result or an
 * McpOAuthError, never a crash.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { assertPkceS256 } from "../../src/core/authorization.ts";
import { discover } from "../../src/core/discover.ts";
import { createHttpContext } from "../../src/core/http-context.ts";
import type { FetchLike } from "../../src/core/http.ts";
import { selectScopes } from "../../src/core/scopes.ts";
import {
  authorizationServerMetadataUrls,
  canonicalResource,
  isLoopbackHost,
  protectedResourceMetadataUrls,
} from "../../src/core/urls.ts";
import { settle, settleAsync } from "./props-helpers.ts";

const RUNS = 1000;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Request {
  method: string;
  url: URL;
  /** How many responses had been delivered when this request was made: 0 = round 1. */
  phase: number;
}

/** A network where `routes` answer (by URL without fragment) and everything else is 404. */
function network(routes: Map<string, Reply>) {
  const log: Request[] = [];
  let delivered = 0;
  const fetch: FetchLike = async (input, init) => {
    const raw = input instanceof Request ? input.url : String(input);
    const url = new URL(raw);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    log.push({ method, url, phase: delivered });
    url.hash = "";
    const r = routes.get(`${method} ${url.href}`) ?? routes.get(url.href);
    await Promise.resolve();
    delivered++;
    if (!r) return new Response("not found", { status: 404 });
    const body = r.body === undefined
      ? null
      : typeof r.body === "string"
      ? r.body
      : JSON.stringify(r.body);
    return new Response(body, {
      status: r.status,
      headers: { "content-type": "application/json", ...r.headers },
    });
  };
  return { log, http: createHttpContext(fetch) };
}

const httpsUrl = (withQuery: boolean) =>
  fc.webUrl({
    validSchemes: ["https"],
    authoritySettings: { withIPv4: true, withPort: true, withUserInfo: withQuery },
    withQueryParameters: withQuery,
    withFragments: withQuery,
  }).filter((u) => URL.canParse(u));

/** MCP server URLs: any https URL, or http on loopback. */
const serverUrl = fc.oneof(
  { weight: 4, arbitrary: httpsUrl(true) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom("127.0.0.1", "localhost", "[::1]"),
      fc.integer({ min: 1, max: 65535 }),
      fc.webPath(),
    ).map(([h, p, path]) => `http://${h}:${p}${path}`).filter((u) => URL.canParse(u)),
  },
);

/** Where a challenge's resource_metadata may point, relative to the server. */
type HeaderTarget = "none" | "path" | "root" | "same-host" | "loopback" | "other" | "garbage";
/** Which issuer the PRM names, relative to the server. */
type IssuerKind = "origin" | "origin-path" | "other" | "private" | "garbage" | "absent";

/** `good` four times in five, else `bad`. */
const mostly = <T>(good: T, bad: T) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: fc.constant(bad) });
const weighted = <T>(common: T[], rare: T[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...common) },
    { weight: 1, arbitrary: fc.constantFrom(...rare) },
  );

const scenario = fc.record({
  server: serverUrl,
  probeStatus: fc.constantFrom(200, 401, 401, 403, 404, 500),
  header: weighted<HeaderTarget>(["none", "path", "root", "same-host"], [
    "loopback",
    "other",
    "garbage",
  ]),
  otherUrl: httpsUrl(false),
  otherIssuer: httpsUrl(false),
  issuerPath: fc.webPath().map((p) => p.replace(/\/+$/, "")),
  issuerKind: weighted<IssuerKind>(["origin", "origin-path", "other"], [
    "private",
    "garbage",
    "absent",
  ]),
  prmAt: fc.option(fc.nat(3), { nil: undefined, freq: 5 }),
  prmResourceOk: mostly(true, false),
  asAt: fc.option(fc.nat(2), { nil: undefined }),
  asIssuerOk: mostly(true, false),
  endpointsOnIssuer: mostly(true, false),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario) {
  const server = new URL(s.server);
  const resource = canonicalResource(server);
  const wellKnown = protectedResourceMetadataUrls(server);
  const headerUrl = {
    none: undefined,
    path: wellKnown[0],
    root: wellKnown.at(-1),
    "same-host": `${server.protocol}//${server.host}/meta/prm`,
    loopback: "http://127.0.0.1:9/prm",
    other: s.otherUrl,
    garbage: "::not a url::",
  }[s.header];
  const issuer = {
    origin: server.origin,
    "origin-path": `${server.origin}${s.issuerPath || "/t1"}`,
    other: new URL(s.otherIssuer).origin + s.issuerPath,
    private: "https://10.1.2.3/as",
    garbage: "not a url",
    absent: undefined,
  }[s.issuerKind];

  const routes = new Map<string, Reply>();
  routes.set(`POST ${new URL(server.href.split("#")[0]!).href}`, {
    status: s.probeStatus,
    headers: headerUrl ? { "www-authenticate": `Bearer resource_metadata="${headerUrl}"` } : {},
  });
  // S1: a challenge's resource_metadata is the URL to use, so it answers more often than not.
  const fromHeader = headerUrl && URL.canParse(headerUrl) && s.prmAt !== undefined && s.prmAt < 2;
  if (s.prmAt !== undefined) {
    const at = fromHeader ? headerUrl : wellKnown[s.prmAt % wellKnown.length]!;
    routes.set(new URL(at).href, {
      status: 200,
      body: {
        resource: s.prmResourceOk ? resource : "https://someone-else.example/mcp",
        ...(issuer ? { authorization_servers: [issuer] } : {}),
        scopes_supported: ["mcp"],
      },
    });
  }
  if (s.asAt !== undefined && issuer && URL.canParse(issuer)) {
    const issuerUrl = new URL(issuer);
    const list = authorizationServerMetadataUrls(issuerUrl);
    const base = s.endpointsOnIssuer ? issuerUrl.origin : new URL(s.otherUrl).origin;
    routes.set(new URL(list[s.asAt % list.length]!).href, {
      status: 200,
      body: {
        issuer: s.asIssuerOk ? issuer : "https://impostor.example",
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        code_challenge_methods_supported: ["S256"],
      },
    });
  }
  return { server, resource, headerUrl, issuer, routes };
}

/** Metadata fields a hostile server fills with junk. */
const COMMON_KEYS = [
  "scopes_supported",
  "code_challenge_methods_supported",
  "grant_types_supported",
  "token_endpoint_auth_methods_supported",
  "authorization_response_iss_parameter_supported",
  "__proto__",
  "constructor",
];
const ENDPOINT_KEYS = [
  "authorization_endpoint",
  "token_endpoint",
  "registration_endpoint",
  "revocation_endpoint",
];

const AS_PATH = /\/\.well-known\/(oauth-authorization-server|openid-configuration)(\/|$)/;
const PRM_PATH = /^\/\.well-known\/oauth-protected-resource(\/|$)/;

describe("discovery: properties (issue 10, S1, S2, S5, S7)", () => {
  it(`S1/S2/S5: requests stay on the server's origin in round 1 and on the issuer's origin for AS metadata (${RUNS} runs)`, async () => {
    let succeeded = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { server, resource, headerUrl, issuer, routes } = build(s);
        const { log, http } = network(routes);
        const result = await settleAsync(() => discover(http, server.href));

        // Round 1: the probe and the well-known PRM URLs, all on the server's origin.
        const round1 = log.filter((r) => r.phase === 0);
        assert.ok(round1.length >= 2, "round 1 has the probe and at least one PRM URL");
        for (const r of round1) {
          assert.equal(r.url.origin, server.origin, `round 1 stays on the origin: ${r.url}`);
        }
        const posts = log.filter((r) => r.method === "POST");
        assert.equal(posts.length, 1, "one probe");
        assert.equal(
          posts[0]!.url.pathname + posts[0]!.url.search,
          server.pathname + server.search,
        );
        assert.equal(posts[0]!.phase, 0, "the probe is in round 1");

        const header = headerUrl && URL.canParse(headerUrl) ? new URL(headerUrl) : undefined;
        const asOrigins = new Set<string>();
        for (const r of log.filter((x) => x.method === "GET")) {
          const wellKnownPrm = r.url.origin === server.origin && PRM_PATH.test(r.url.pathname);
          const fromHeader = header !== undefined && r.url.href === header.href;
          const asMetadata = AS_PATH.test(r.url.pathname);
          assert.ok(wellKnownPrm || fromHeader || asMetadata, `an expected request: ${r.url}`);
          if (fromHeader && !wellKnownPrm) {
            // SSRF guard: a URL from the 401 is only followed on the server's host or loopback.
            assert.ok(
              r.url.hostname === server.hostname || isLoopbackHost(r.url.hostname),
              `header URL followed only on the server's own host: ${r.url}`,
            );
          }
          if (asMetadata && !wellKnownPrm && !fromHeader) asOrigins.add(r.url.origin);
        }
        assert.ok(asOrigins.size <= 1, `AS metadata from one origin only: ${[...asOrigins]}`);
        if (asOrigins.size === 1) {
          const used = [...asOrigins][0];
          const allowed = [
            server.origin,
            ...(issuer && URL.canParse(issuer) ? [new URL(issuer).origin] : []),
          ];
          assert.ok(allowed.includes(used!), `AS metadata on the issuer's origin: ${used}`);
        }

        if (result.ok) {
          succeeded++;
          const d = result.value;
          assert.equal(d.resource, resource);
          const issuerOrigin = new URL(d.issuer).origin;
          for (const step of d.trace.steps) {
            if (step.method === "-") continue;
            if (step.round === 1) assert.equal(new URL(step.url).origin, server.origin);
            if (step.kind === "as-metadata") {
              assert.equal(new URL(step.url).origin, issuerOrigin, "AS metadata on the issuer");
            }
          }
          // S7: a 2025-03-26 server's metadata is at its origin; its issuer may sit below that
          // origin (accepted since issue 14, as that revision's clients do), never on another.
          if (d.legacy) {
            assert.equal(new URL(d.issuer).origin, server.origin, "S7: on the server's origin");
          }
        }
        return true;
      }),
      { numRuns: RUNS },
    );
    assert.ok(succeeded >= RUNS / 20, `enough runs reached a result (${succeeded})`);
  });

  it(`S3/S6/S12/S14: hostile metadata ends in a result or an McpOAuthError, and the result is usable (${RUNS} runs)`, async () => {
    // Objects with their own "toString"/"valueOf" included: endpoints must be strings (a bug
    // found here: String() threw on them).
    const junk = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom("S256", "offline_access", 5, null, {}, [], [5], ["S256"], "a b"),
    );
    const metadata = (keys: string[]) =>
      fc.oneof(
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
        { weight: 1, arbitrary: fc.constantFrom("{", "[]", "null", "\u0000") },
        { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...keys), junk) },
      );
    const mostly = fc.oneof(
      { weight: 4, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    );
    const outcomes = { ok: 0 };
    await fc.assert(
      fc.asyncProperty(
        httpsUrl(false),
        mostly,
        mostly,
        fc.boolean(),
        metadata([...COMMON_KEYS, "resource", "authorization_servers", "bearer_methods_supported"]),
        fc.oneof(
          metadata([...COMMON_KEYS, ...ENDPOINT_KEYS, "issuer"]),
          metadata(COMMON_KEYS),
        ),
        async (serverText, keepResource, keepIssuer, challengeScope, prmBody, asBody) => {
          const server = new URL(serverText);
          const resource = canonicalResource(server);
          const issuer = server.origin;
          const prm = keepResource && prmBody && typeof prmBody === "object" &&
              !Array.isArray(prmBody)
            ? { ...prmBody, resource, authorization_servers: [issuer] }
            : prmBody;
          // Mostly a usable AS (issuer and endpoints right) whose other fields are junk.
          const as = keepIssuer && asBody && typeof asBody === "object" && !Array.isArray(asBody)
            ? {
              authorization_endpoint: `${issuer}/authorize`,
              token_endpoint: `${issuer}/token`,
              ...asBody,
              issuer,
            }
            : asBody;
          const routes = new Map<string, Reply>([
            [`POST ${new URL(server.href).href}`, {
              status: 401,
              headers: challengeScope ? { "www-authenticate": 'Bearer scope="mcp:read"' } : {},
            }],
            [protectedResourceMetadataUrls(server).at(-1)!, { status: 200, body: prm }],
            [authorizationServerMetadataUrls(new URL(issuer))[0]!, { status: 200, body: as }],
          ]);
          const { http } = network(routes);
          const r = await settleAsync(() => discover(http, server.href));
          if (!r.ok) return true;
          outcomes.ok++;
          const d = r.value;
          assert.equal(d.issuer, issuer, "S6: the issuer is the one asked for");
          assert.equal(d.resource, resource, "S3");
          // What the engine does next with the metadata must not crash either.
          settle(() => assertPkceS256(d.as));
          const scopes = selectScopes({ challenge: d.challenge?.scope, prm: d.prm, as: d.as });
          assert.ok(Array.isArray(scopes) && scopes.every((x) => typeof x === "string"));
          return true;
        },
      ),
      { numRuns: RUNS },
    );
    assert.ok(outcomes.ok >= RUNS / 20, `enough runs reached a result (${outcomes.ok})`);
  });
});
