/**
 * Bad-input corpus, network side (issue 10), part 1: what discovery reads. Hostile
 * WWW-Authenticate headers on the MCP endpoint's 401, protected resource metadata (PRM) and
 * authorization server (AS) metadata, each served by test/fixtures/hostile-server.ts to
 * `mcp-oauth discover` (and a few to `authorize`). Every case checks the exit code, the exact
 * error line or the exact outcome, and that every file under the home is byte-for-byte unchanged.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type Answer,
  type HostileServer,
  ROUTE_PATHS,
  startHostileServer,
} from "../fixtures/hostile-server.ts";
import { createEngine } from "../../src/core/engine.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { removeHome } from "../cli/helpers.ts";
import {
  assertNoControlCharacters,
  big,
  discoverJson,
  endless,
  html,
  json,
  type NetCase,
  never,
  runCase,
  signedInHome,
  SLOW_BODY,
  TIMEOUT_ENV,
} from "./network-harness.ts";

const PRM_URL = `{o}${ROUTE_PATHS.prm}`;
const AS_URL = `{o}${ROUTE_PATHS["as-metadata"]}`;
/** What the user sees when every AS metadata URL answers 404. */
const NO_AS_METADATA = `No authorization server metadata for {o} (tried ${AS_URL}, {o}${
  ROUTE_PATHS["oidc-metadata"]
}); check the server's authorization_servers.`;
/** What the user sees when the PRM the 401 names cannot be used (S1), for `reason`. */
const S1_STOP = (reason: string) =>
  `The resource metadata the server's 401 names could not be used (RFC 9728 §5.1): ${reason}; check the server URL, or tell the server's operator.`;
/** What the user sees when the preferred AS metadata URL answered, for `reason`. */
const AS_STOP = (reason: string) =>
  `No usable authorization server metadata for {o}: ${reason}; check the server's authorization_servers, or tell its operator.`;
/** A server error (5xx) says retry later under either heading. */
const LATER = "; the server failed; retry later, or tell its operator.";
const S1_5XX = (fact: string) =>
  `The resource metadata the server's 401 names could not be used (RFC 9728 §5.1): ${fact}${LATER}`;
const AS_5XX = (fact: string) => `No usable authorization server metadata for {o}: ${fact}${LATER}`;
/** A timeout keeps its own advice (retry) under either heading. */
const RETRY = "; check the server is up, then retry.";
const S1_TIMEOUT = (fact: string) =>
  `The resource metadata the server's 401 names could not be used (RFC 9728 §5.1): ${fact}${RETRY}`;
const AS_TIMEOUT = (fact: string) =>
  `No usable authorization server metadata for {o}: ${fact}${RETRY}`;
/** The line for a PRM that oauth4webapi rejects (named by the 401, so S1 stops). */
const prmUnusable = (reason: string | RegExp) =>
  new RegExp(
    `^${
      escape(
        `The resource metadata the server's 401 names could not be used (RFC 9728 §5.1): Protected resource metadata at ${PRM_URL} is unusable (`,
      )
    }${typeof reason === "string" ? escape(reason) : reason.source}${
      escape("); check the server URL, or tell the server's operator.")
    }$`,
  );
/**
 * The start of the line for AS metadata that oauth4webapi rejects. Reported: the PRM advice
 * ("check the server URL, or tell the server's operator") comes before the AS one, so only
 * the reason is pinned.
 */
const asUnusable = (reason: string | RegExp) =>
  new RegExp(
    `^${
      escape(
        `No usable authorization server metadata for {o}: Authorization server metadata at ${AS_URL} is unusable (`,
      )
    }${typeof reason === "string" ? escape(reason) : reason.source}\\); check the `,
  );
/** `text` as a whole-line pattern where each `*` stands for any text. */
const like = (text: string) => new RegExp(`^${text.split("*").map(escape).join(".*")}$`);

/** The well-known PRM URL (the one the default 401 names). */
const prmUsed = (o: string) => `${o}${ROUTE_PATHS.prm}`;

/** A Bearer 401 naming `params` (raw), as the MCP endpoint's answer. */
const challenge = (...headers: string[]): Answer => ({
  status: 401,
  headers: headers.map((h) => ["WWW-Authenticate", h] as [string, string]),
  json: { error: "unauthorized" },
});
/** A 403 with these WWW-Authenticate headers, as the MCP endpoint's answer to a token. */
const challenge403 = (...headers: string[]): Answer => ({
  ...challenge(...headers),
  status: 403,
});

describe("bad-input corpus: WWW-Authenticate on the MCP endpoint's 401 (discover --json)", () => {
  let s: HostileServer;
  before(async () => {
    s = await startHostileServer();
  });
  after(() => s.close());

  /** The probe's trace detail. */
  const probe = (d: Awaited<ReturnType<typeof discoverJson>>) =>
    d.json.trace.steps.find((st) => st.kind === "probe")!;

  it("S1: an unterminated quoted resource_metadata is dropped; the well-known PRM is used and the half URL never fetched", async () => {
    const d = await discoverJson(s, () => ({
      mcp: challenge(`Bearer resource_metadata="${s.origin}/elsewhere`),
    }));
    assert.equal(d.json.prmUrl, prmUsed(s.origin));
    assert.equal(probe(d).detail, "Bearer challenge");
    assert.deepEqual(d.json.scopes, ["mcp:read", "mcp:write", "offline_access"]);
    assert.equal(s.hits("/elsewhere").length, 0);
  });

  it("only non-Bearer challenges (Basic, Negotiate): no Bearer challenge, discovery goes on", async () => {
    const d = await discoverJson(s, () => ({
      mcp: challenge('Basic realm="mcp"', "Negotiate"),
    }));
    assert.equal(probe(d).detail, "401 without a Bearer challenge");
    assert.equal(d.json.prmUrl, prmUsed(s.origin));
    assert.equal(d.json.legacy, false);
  });

  it("a DPoP challenge stands in for a Bearer one (RFC 9449 §7.1), and discovery goes on", async () => {
    const d = await discoverJson(s, () => ({
      mcp: challenge('Basic realm="mcp"', 'Negotiate, DPoP algs="ES256"'),
    }));
    assert.equal(probe(d).detail, "DPoP challenge");
    assert.equal(d.json.prmUrl, prmUsed(s.origin));
    assert.equal(d.json.legacy, false);
  });

  it("S1: a Bearer challenge after 300 others in one header is found and its resource_metadata used", async () => {
    const d = await discoverJson(s, () => ({
      paths: { "/meta/prm": json(s.good.prm()) },
      mcp: challenge(
        `Basic realm="x", ${
          "Foo a=b, ".repeat(300)
        }Bearer scope="mcp:write", resource_metadata="${s.origin}/meta/prm"`,
      ),
    }));
    assert.equal(d.json.prmUrl, `${s.origin}/meta/prm`);
    assert.deepEqual(d.json.scopes, ["mcp:write", "offline_access"], "S14: the challenge's scope");
    assert.equal(
      probe(d).detail,
      `Bearer challenge with resource_metadata ${s.origin}/meta/prm, scope "mcp:write"`,
    );
  });

  it("S1: three WWW-Authenticate header lines: the Bearer one is found among them", async () => {
    const d = await discoverJson(s, () => ({
      paths: { "/meta/prm": json(s.good.prm()) },
      mcp: challenge(
        'Basic realm="x"',
        'Negotiate, DPoP algs="ES256"',
        `Bearer realm="r", scope="mcp:read", resource_metadata="${s.origin}/meta/prm"`,
      ),
    }));
    assert.equal(d.json.prmUrl, `${s.origin}/meta/prm`);
    assert.deepEqual(d.json.scopes, ["mcp:read", "offline_access"]);
  });

  it("a 100 KB header: only its first 8 KiB are parsed, the cut-off quoted scope is dropped, no crash", async () => {
    const d = await discoverJson(s, () => ({
      mcp: challenge(`Bearer scope="${"a".repeat(100_000)}"`),
    }));
    assert.equal(probe(d).detail, "Bearer challenge");
    assert.deepEqual(d.json.scopes, ["mcp:read", "mcp:write", "offline_access"], "PRM's scopes");
  });

  it("a Bearer challenge pushed past the first 8 KiB by 1,000 others is ignored", async () => {
    const d = await discoverJson(s, () => ({
      paths: { "/meta/prm": json(s.good.prm()) },
      mcp: challenge(
        `${"Foo a=b, ".repeat(1_000)}Bearer resource_metadata="${s.origin}/meta/prm"`,
      ),
    }));
    assert.equal(probe(d).detail, "401 without a Bearer challenge");
    assert.equal(d.json.prmUrl, prmUsed(s.origin));
    assert.equal(s.hits("/meta/prm").length, 0);
  });

  for (
    const [scheme, url] of [
      ["javascript:", "javascript:alert(document.cookie)"],
      ["file:", "file:///etc/passwd"],
      ["data:", "data:application/json,{}"],
    ] as const
  ) {
    it(`S1/S18: resource_metadata pointing to ${scheme} is refused and discovery stops (no well-known stand-in)`, async () => {
      await runCase(s, {
        name: `resource_metadata at ${scheme}`,
        command: "discover",
        replies: () => ({ mcp: challenge(`Bearer resource_metadata="${url}"`) }),
        code: 1,
        // Reported: the refused URL is shown twice ("javascript:… has the scheme … (javascript:…)"):
        // discover.ts passes the URL as the label to assertAllowedUrl, so the label is not pinned.
        error: like(S1_STOP(
          `* has the scheme "${scheme}" (${url}); only https (or http on loopback) is allowed`,
        )),
      });
      assert.equal(s.hits(ROUTE_PATHS["as-metadata"]).length, 0, "no AS was contacted");
    });
  }

  it("S1/S24: resource_metadata on plain http off loopback is refused and discovery stops", async () => {
    await runCase(s, {
      name: "resource_metadata on plain http",
      command: "discover",
      replies: () => ({ mcp: challenge('Bearer resource_metadata="http://mcp.example.com/prm"') }),
      code: 1,
      // Reported: the URL is shown twice (see the S18 cases), so the label is not pinned.
      error: like(S1_STOP(
        "* http://mcp.example.com/prm uses plain http on a non-loopback host",
      )),
    });
    assert.equal(s.hits(ROUTE_PATHS["as-metadata"]).length, 0, "no AS was contacted");
  });

  it("S1: the first of two resource_metadata parameters wins; the second is never fetched", async () => {
    const d = await discoverJson(s, () => ({
      paths: { "/meta/a": json(s.good.prm()), "/meta/b": json(s.good.prm()) },
      mcp: challenge(
        `Bearer resource_metadata="${s.origin}/meta/a", resource_metadata="${s.origin}/meta/b"`,
      ),
    }));
    assert.equal(d.json.prmUrl, `${s.origin}/meta/a`);
    assert.equal(s.hits("/meta/b").length, 0);
  });

  it("S14: a scope with C1 control characters (a terminal escape) is not used and never printed", async () => {
    const d = await discoverJson(s, () => ({
      // Latin-1 bytes 0x9b (CSI) and 0x85 (NEL) are legal header octets; \t is too.
      mcp: challenge(
        `Bearer scope="mcp:admin\x9b2J\x85x", resource_metadata="${s.origin}${ROUTE_PATHS.prm}"`,
      ),
    }));
    assertNoControlCharacters(d.stdout);
    assert.deepEqual(
      d.json.scopes,
      ["mcp:read", "mcp:write", "offline_access"],
      "the bad challenge scope is dropped: PRM's scopes",
    );
    assert.equal(d.json.prmUrl, prmUsed(s.origin));
    assert.equal(
      probe(d).detail,
      `Bearer challenge with resource_metadata ${prmUsed(s.origin)}, scope "mcp:admin 2J x"`,
    );
  });

  it("S1/S14: a resource_metadata URL with a C1 control character that cannot be reached: one printable line", async () => {
    const r = await runCase(s, {
      name: "resource_metadata with CSI, unreachable",
      command: "discover",
      replies: () => ({
        mcp: challenge(
          'Bearer scope="mcp:admin\x9b2J", resource_metadata="http://127.0.0.1:9/\x9b31m"',
        ),
      }),
      code: 1,
      // The runtime names the refusal (ECONNREFUSED, ConnectionRefused…).
      error: like(
        "The resource metadata the server's 401 names could not be used (RFC 9728 §5.1): Could not reach http://127.0.0.1:9/%C2%9B31m (*); check the URL and your connection, then retry.",
      ),
    });
    assertNoControlCharacters(r.err.join("\n"));
    assert.equal(s.hits(ROUTE_PATHS["as-metadata"]).length, 0, "no AS was contacted");
  });

  it("S14: a scope separated by a tab is two scopes", async () => {
    const d = await discoverJson(
      s,
      () => ({ mcp: challenge('Bearer scope="mcp:read\tmcp:write"') }),
    );
    assert.deepEqual(d.json.scopes, ["mcp:read", "mcp:write", "offline_access"]);
  });

  it("a raw control character (0x01) in the header: the probe fails or ignores it, discovery goes on", async () => {
    const d = await discoverJson(s, () => ({ mcp: challenge('Bearer scope="a\x01b"') }));
    assertNoControlCharacters(d.stdout);
    assert.equal(d.json.prmUrl, prmUsed(s.origin));
    assert.deepEqual(d.json.scopes, ["mcp:read", "mcp:write", "offline_access"]);
  });

  it("S25: a 302 from the MCP endpoint is not followed", async () => {
    const d = await discoverJson(s, () => ({ mcp: { redirect: `${s.origin}/elsewhere` } }));
    assert.equal(probe(d).detail, "answered 302 without authentication");
    assert.equal(d.json.authRequired, false);
    assert.equal(s.hits("/elsewhere").length, 0);
    assert.equal(d.json.prmUrl, prmUsed(s.origin));
  });

  it("S25: an MCP endpoint that never answers times out; discovery uses the well-known PRM", async () => {
    const d = await discoverJson(s, () => ({ mcp: never() }), TIMEOUT_ENV);
    assert.equal(
      probe(d).detail,
      `No answer from ${s.mcpUrl} within 0.5 s; check the server is up, then retry.`,
    );
    assert.equal(d.json.prmUrl, prmUsed(s.origin));
  });

  it("S22: a 403 insufficient_scope whose scope holds a terminal escape: the step-up asks only for well-formed scopes", async () => {
    const seeded = await signedInHome(s);
    try {
      s.reset();
      s.set({
        mcp: challenge403('Bearer error="insufficient_scope", scope="mcp:write mcp:admin\x9b2J"'),
      });
      const engine = createEngine({
        store: new FileStore(seeded.home),
        servers: new ConfigFile(seeded.home),
      });
      const asked: { scopes?: string[]; reason: string }[] = [];
      const fetch = engine.authFetch((await engine.servers.get("demo"))!, {
        authorize: (_def, scopes, reason) => {
          asked.push({ scopes, reason });
          return Promise.reject(new Error("stop here"));
        },
      });
      await assert.rejects(fetch(s.mcpUrl, { method: "POST", body: "{}" }), /stop here/);
      assert.deepEqual(asked, [{
        scopes: ["mcp:read", "mcp:write"],
        reason: 'the server needs the scopes "mcp:write"',
      }]);
      assert.equal(s.hits(ROUTE_PATHS.mcp)[0]?.headers.authorization, "Bearer seeded-access-token");
    } finally {
      await removeHome(seeded.home);
    }
  });

  it("SSRF: resource_metadata aimed at a cloud metadata address stops discovery", async () => {
    const r = await runCase(s, {
      name: "resource_metadata at 169.254.169.254",
      command: "discover",
      replies: () => ({
        mcp: challenge('Bearer resource_metadata="https://169.254.169.254/latest/meta-data"'),
      }),
      code: 1,
      error:
        /^The resource_metadata URL https:\/\/169\.254\.169\.254\/latest\/meta-data .*169\.254\.169\.254/,
    });
    assert.equal(r.out.length, 0);
  });
});

/**
 * Cases whose PRM answers 200 with a body that cannot be used: discovery stops. The 401 names
 * the PRM (S1), so a PRM that oauth4webapi rejects stops discovery with the S1 line.
 */
const prmCases: NetCase[] = [
  ...[
    ["a number", 42],
    ["missing", undefined],
    ["null", null],
    ["a list", ["{o}/mcp"]],
  ].map(([what, resource]): NetCase => ({
    name: `resource is ${what}`,
    command: "discover",
    replies: (s) => ({ prm: json({ ...s.good.prm(), resource }) }),
    code: 1,
    error: prmUnusable('"response" body "resource" property must be a string'),
  })),
  {
    name: "S3: resource names another server",
    command: "discover",
    replies: (s) => ({ prm: json({ ...s.good.prm(), resource: "https://evil.example/mcp" }) }),
    code: 1,
    error:
      `Protected resource metadata at ${PRM_URL} is for "https://evil.example/mcp", not {o}/mcp (RFC 9728 §3.3); not authorizing. Check the server URL.`,
  },
  {
    name: "S3: resource is another path of the same origin",
    command: "discover",
    replies: (s) => ({ prm: json({ ...s.good.prm(), resource: `${s.origin}/other` }) }),
    code: 1,
    error:
      `Protected resource metadata at ${PRM_URL} is for "{o}/other", not {o}/mcp (RFC 9728 §3.3); not authorizing. Check the server URL.`,
  },
  {
    name: "S3: a wrong resource with a terminal escape is shown flattened",
    command: "discover",
    replies: (s) => ({
      prm: json({ ...s.good.prm(), resource: "https://evil.example/\u001b[2J\u009b31m" }),
    }),
    code: 1,
    error:
      `Protected resource metadata at ${PRM_URL} is for "https://evil.example/ [2J 31m", not {o}/mcp (RFC 9728 §3.3); not authorizing. Check the server URL.`,
  },
  ...[
    ["a string", "{o}"],
    ["missing", undefined],
    ["an empty list", []],
    ["a list of numbers", [42]],
    ["an object", { issuer: "{o}" }],
  ].map(([what, servers]): NetCase => ({
    name: `S4: authorization_servers is ${what}`,
    command: "discover",
    replies: (s) => ({ prm: json({ ...s.good.prm(), authorization_servers: servers }) }),
    code: 1,
    error:
      `Protected resource metadata at ${PRM_URL} lists no authorization_servers; the server cannot be signed in to.`,
  })),
  {
    name: "S18: authorization_servers names a javascript: URL",
    command: "discover",
    replies: (s) => ({
      prm: json({ ...s.good.prm(), authorization_servers: ["javascript:alert(1)"] }),
    }),
    code: 1,
    error:
      'Authorization server has the scheme "javascript:" (javascript:alert(1)); only https (or http on loopback) is allowed.',
  },
  {
    name: "authorization_servers names something that is not a URL",
    command: "discover",
    replies: (s) => ({ prm: json({ ...s.good.prm(), authorization_servers: ["not a url"] }) }),
    code: 1,
    error: 'Authorization server is not a valid URL: "not a url". Give an absolute https:// URL.',
  },
  {
    name: "S24: authorization_servers names plain http off loopback",
    command: "discover",
    replies: (s) => ({
      prm: json({ ...s.good.prm(), authorization_servers: ["http://as.example.com"] }),
    }),
    code: 1,
    error:
      "Authorization server http://as.example.com/ uses plain http on a non-loopback host; use https, or set allowInsecureHttp (--insecure-http) for development only.",
  },
  ...[
    ["a list", [{ resource: "x" }]],
    ["null", null],
    ["a number", 42],
    ["a string", "{o}/mcp"],
  ].map(([what, body]): NetCase => ({
    name: `the body is ${what}, not an object`,
    command: "discover",
    replies: () => ({ prm: json(body) }),
    code: 1,
    error: prmUnusable('"response" body must be a top level object'),
  })),
  {
    name: "the body is not JSON (application/json declared)",
    command: "discover",
    replies: () => ({
      prm: { headers: [["Content-Type", "application/json"]], body: "{resource: oops" },
    }),
    code: 1,
    error: prmUnusable('failed to parse "response" body as JSON'),
  },
  {
    name: "an HTML page with status 200",
    command: "discover",
    replies: () => ({ prm: html(200) }),
    code: 1,
    error: prmUnusable('"response" content-type must be application/json'),
  },
];

/**
 * PRM that gives no answer to read (a redirect, an error page, too big, too slow). `fact` is
 * what went wrong; `detail` the trace line; `status` what the server answered, if it did.
 */
const prmUnreadable: {
  name: string;
  answer: () => Answer;
  fact: string;
  detail: string;
  status?: number;
}[] = [
  {
    name: "S25: a 302 is not followed",
    answer: () => ({ redirect: "/elsewhere" }),
    status: 302,
    fact: `${PRM_URL} answered 302`,
    detail: `${PRM_URL} answered 302`,
  },
  {
    name: "a 500 HTML error page",
    answer: () => html(500),
    status: 500,
    fact: `${PRM_URL} answered 500`,
    detail: `${PRM_URL} answered 500`,
  },
  {
    name: "a 503 with a binary body",
    answer: () => ({ status: 503, body: new Uint8Array([0, 1, 2, 255, 0x1b]) }),
    status: 503,
    fact: `${PRM_URL} answered 503`,
    detail: `${PRM_URL} answered 503`,
  },
  {
    name: "S25: a 20 MB body",
    answer: big,
    status: 200,
    fact: `The response from ${PRM_URL} is larger than 1048576 bytes and was not read`,
    detail:
      `The response from ${PRM_URL} is larger than 1048576 bytes and was not read; check the URL.`,
  },
  {
    name: "S25: a body that never ends",
    answer: endless,
    status: 200,
    fact: `The response from ${PRM_URL} is larger than 1048576 bytes and was not read`,
    detail:
      `The response from ${PRM_URL} is larger than 1048576 bytes and was not read; check the URL.`,
  },
  {
    name: "S25: a body that arrives a byte at a time",
    answer: () => SLOW_BODY,
    status: 200,
    fact: `The answer from ${PRM_URL} (200) did not finish within 0.5 s`,
    detail:
      `The answer from ${PRM_URL} (200) did not finish within 0.5 s; check the server is up, then retry.`,
  },
  {
    name: "S25: no answer at all",
    answer: never,
    fact: `No answer from ${PRM_URL} within 0.5 s`,
    detail: `No answer from ${PRM_URL} within 0.5 s; check the server is up, then retry.`,
  },
];

describe("bad-input corpus: protected resource metadata (discover)", () => {
  let s: HostileServer;
  before(async () => {
    s = await startHostileServer();
  });
  after(() => s.close());

  for (const c of prmCases) {
    it(`${c.name}: exit ${c.code}, one clear line, home unchanged`, async () => {
      await runCase(s, c);
      assert.equal(s.hits(ROUTE_PATHS["as-metadata"]).length, 0, "no AS was contacted");
    });
  }

  for (const f of prmUnreadable) {
    it(`S1: the PRM the 401 names is ${f.name}: exit 1, one clear line, no well-known or S7 stand-in, home unchanged`, async () => {
      const started = Date.now();
      await runCase(s, {
        name: f.name,
        command: "discover",
        replies: () => ({ prm: f.answer() }),
        env: TIMEOUT_ENV,
        code: 1,
        error: / within 0\.5 s$/.test(f.fact)
          ? S1_TIMEOUT(f.fact)
          : / answered 5\d\d$/.test(f.fact)
          ? S1_5XX(f.fact)
          : S1_STOP(f.fact),
      });
      assert.equal(s.hits("/elsewhere").length, 0, "no redirect was followed");
      assert.equal(s.hits(ROUTE_PATHS["as-metadata"]).length, 0, "no AS was contacted (no S7)");
      const ms = Date.now() - started;
      assert.ok(ms < 3_000, `gave up in time (${ms} ms)`);
    });
  }

  for (const f of prmUnreadable.filter((f) => f.status !== 200)) {
    it(`S7: a 401 that names no PRM, and the well-known PRM is ${f.name}: counts as no PRM (fallback to the server's origin), the failure and its status in the trace`, async () => {
      const d = await discoverJson(
        s,
        () => ({ mcp: challenge("Bearer"), prm: f.answer() }),
        TIMEOUT_ENV,
      );
      assert.equal(d.json.prmUrl, null);
      assert.equal(d.json.legacy, true);
      const step = d.json.trace.steps.find((st) => st.url === `${s.origin}${ROUTE_PATHS.prm}`)!;
      assert.equal(step.outcome, "failed");
      assert.equal(step.status, f.status);
      assert.equal(step.detail, f.detail.replaceAll("{o}", s.origin));
      assert.equal(s.hits("/elsewhere").length, 0, "no redirect was followed");
      assert.ok(step.ms < 3_000, `gave up in time (${step.ms} ms)`);
    });
  }

  for (const f of prmUnreadable.filter((f) => f.status === 200)) {
    it(`a 401 that names no PRM, and the well-known PRM answers 200 with ${f.name}: a PRM exists, so no S7 fallback: exit 1, one clear line`, async () => {
      const started = Date.now();
      await runCase(s, {
        name: f.name,
        command: "discover",
        replies: () => ({ mcp: challenge("Bearer"), prm: f.answer() }),
        env: TIMEOUT_ENV,
        code: 1,
        error: f.detail,
      });
      assert.equal(s.hits(ROUTE_PATHS["as-metadata"]).length, 0, "no AS was contacted (no S7)");
      const ms = Date.now() - started;
      assert.ok(ms < 3_000, `gave up in time (${ms} ms)`);
    });

    it(`S2: a 401 that names no PRM, the path PRM answers 200 with ${f.name} and the root PRM is good: the root is used, the 200 in the trace`, async () => {
      const d = await discoverJson(
        s,
        () => ({ mcp: challenge("Bearer"), prm: f.answer(), "prm-root": json(s.good.prm()) }),
        TIMEOUT_ENV,
      );
      assert.equal(d.json.prmUrl, `${s.origin}${ROUTE_PATHS["prm-root"]}`);
      assert.equal(d.json.legacy, false);
      const step = d.json.trace.steps.find((st) => st.url === prmUsed(s.origin))!;
      assert.equal(step.outcome, "failed");
      assert.equal(step.status, 200, "the server answered 200 before the body failed");
      assert.equal(step.detail, f.detail.replaceAll("{o}", s.origin));
    });
  }

  it("scopes_supported is a string: the trace line leaves it out, no crash; its well-formed scopes are requested", async () => {
    const d = await discoverJson(s, () => ({
      prm: json({ ...s.good.prm(), scopes_supported: "mcp:read" }),
    }));
    assert.equal(d.json.prmUrl, prmUsed(s.origin));
    assert.deepEqual(d.json.scopes, ["mcp:read", "offline_access"]);
    assert.equal(
      d.json.trace.steps.find((st) => st.url === prmUsed(s.origin))?.detail,
      `resource ${s.origin}/mcp; authorization_servers ${JSON.stringify([s.origin])}`,
    );
  });

  it("S3/S12: authorize stops at a wrong PRM resource before registering or opening anything", async () => {
    const r = await runCase(s, {
      name: "authorize with a wrong resource",
      command: "authorize",
      seed: { client: false },
      replies: (s) => ({ prm: json({ ...s.good.prm(), resource: "https://evil.example/mcp" }) }),
      code: 1,
      error:
        `Protected resource metadata at ${PRM_URL} is for "https://evil.example/mcp", not {o}/mcp (RFC 9728 §3.3); not authorizing. Check the server URL.`,
    });
    assert.equal(s.hits(ROUTE_PATHS.register).length, 0);
    assert.ok(!r.err.join("\n").includes("Open this URL"), "no authorization URL was shown");
  });
});

/** Cases whose AS metadata cannot be used: discovery stops. */
const asCases: NetCase[] = [
  ...([
    ["a number", 42, '"response" body "issuer" property must be a string'],
    ["missing", undefined, '"response" body "issuer" property must be a string'],
    // The runtime's words for a bad URL ("Invalid URL", "Invalid URL: 'not a url'"…).
    ["not a URL", "not a url", /Invalid URL[^)]*/],
    ["null", null, '"response" body "issuer" property must be a string'],
  ] as [string, unknown, string | RegExp][]).map(([what, issuer, reason]): NetCase => ({
    name: `S6: issuer is ${what}`,
    command: "discover",
    replies: (s) => ({ "as-metadata": json({ ...s.good.asMetadata(), issuer }) }),
    code: 1,
    error: asUnusable(reason),
  })),
  {
    name: "S6: issuer names another server",
    command: "discover",
    replies: (s) => ({
      "as-metadata": json({ ...s.good.asMetadata(), issuer: "https://evil.example" }),
    }),
    code: 1,
    error:
      `Authorization server metadata at ${AS_URL} names the issuer "https://evil.example", not {o} (RFC 8414 §3.3); not using it.`,
  },
  {
    name: "S6: issuer differs by a path",
    command: "discover",
    replies: (s) => ({ "as-metadata": json({ ...s.good.asMetadata(), issuer: `${s.origin}/t1` }) }),
    code: 1,
    error:
      `Authorization server metadata at ${AS_URL} names the issuer "{o}/t1", not {o} (RFC 8414 §3.3); not using it.`,
  },
  ...(["authorization_endpoint", "token_endpoint"] as const).map((field): NetCase => ({
    name: `${field} is missing`,
    command: "discover",
    replies: (s) => ({ "as-metadata": json({ ...s.good.asMetadata(), [field]: undefined }) }),
    code: 1,
    error:
      `Authorization server metadata of {o} lacks ${field}; the server cannot be used for sign-in.`,
  })),
  ...[
    ["token_endpoint", 42, "42"],
    ["token_endpoint", {}, "[object Object]"],
    ["authorization_endpoint", ["a", "b"], "a,b"],
    ["registration_endpoint", "not a url", "not a url"],
    ["revocation_endpoint", true, "true"],
  ].map(([field, value, shown]): NetCase => ({
    name: `${field} is ${JSON.stringify(value)}`,
    command: "discover",
    replies: (s) => ({
      "as-metadata": json({ ...s.good.asMetadata(), [field as string]: value }),
    }),
    code: 1,
    error: typeof value === "string"
      ? `AS metadata ${field} is not a valid URL: "${shown}". Give an absolute https:// URL.`
      : `Authorization server metadata of {o} has a ${field} that is not a URL string; tell the server's operator.`,
  })),
  ...[
    ["registration_endpoint", "javascript:alert(1)", "javascript:"],
    ["revocation_endpoint", "file:///etc/passwd", "file:"],
    ["authorization_endpoint", "data:text/html,<script>alert(1)</script>", "data:"],
  ].map(([field, value, scheme]): NetCase => ({
    name: `S18: ${field} is a ${scheme} URL`,
    command: "discover",
    replies: (s) => ({ "as-metadata": json({ ...s.good.asMetadata(), [field]: value }) }),
    code: 1,
    error: `AS metadata ${field} has the scheme "${scheme}" (${
      new URL(value).href.slice(0, 80)
    }); only https (or http on loopback) is allowed.`,
  })),
  {
    name: "S24: token_endpoint on plain http off loopback",
    command: "discover",
    replies: (s) => ({
      "as-metadata": json({
        ...s.good.asMetadata(),
        token_endpoint: "http://as.example.com/token",
      }),
    }),
    code: 1,
    error:
      "AS metadata token_endpoint http://as.example.com/token uses plain http on a non-loopback host; use https, or set allowInsecureHttp (--insecure-http) for development only.",
  },
  {
    name: "SSRF: token_endpoint at a cloud metadata address",
    command: "discover",
    replies: (s) => ({
      "as-metadata": json({
        ...s.good.asMetadata(),
        token_endpoint: "https://169.254.169.254/latest/meta-data",
      }),
    }),
    code: 1,
    error:
      /^AS metadata token_endpoint https:\/\/169\.254\.169\.254\/latest\/meta-data .*169\.254\.169\.254/,
  },
  ...[
    ["a list", [{ issuer: "{o}" }]],
    ["null", null],
    ["a number", 7],
  ].map(([what, body]): NetCase => ({
    name: `the body is ${what}, not an object`,
    command: "discover",
    replies: () => ({ "as-metadata": json(body) }),
    code: 1,
    error: asUnusable('"response" body must be a top level object'),
  })),
  ...([
    [
      "not JSON",
      () => ({ headers: [["Content-Type", "application/json"]], body: "{issuer" }),
      asUnusable('failed to parse "response" body as JSON'),
    ],
    [
      "an HTML page with status 200",
      () => html(200),
      asUnusable('"response" content-type must be application/json'),
    ],
    ["a 500 HTML error page", () => html(500), AS_5XX(`${AS_URL} answered 500`)],
    [
      "a 502 with NUL bytes",
      () => ({ status: 502, body: "\0\0\u0001 upstream" }),
      AS_5XX(`${AS_URL} answered 502`),
    ],
    [
      "S25: a 302 (not followed)",
      () => ({ redirect: "/elsewhere" }),
      AS_STOP(`${AS_URL} answered 302`),
    ],
    [
      "S25: a 20 MB body",
      big,
      AS_STOP(`The response from ${AS_URL} is larger than 1048576 bytes and was not read`),
    ],
    [
      "S25: a body that never ends",
      endless,
      AS_STOP(`The response from ${AS_URL} is larger than 1048576 bytes and was not read`),
    ],
    [
      "S25: a body that arrives a byte at a time",
      () => SLOW_BODY,
      AS_TIMEOUT(`The answer from ${AS_URL} (200) did not finish within 0.5 s`),
    ],
    ["S25: no answer at all", never, AS_TIMEOUT(`No answer from ${AS_URL} within 0.5 s`)],
    // Only when every metadata URL is missing does the line list what was tried.
    ["a 404 (and so is the OpenID URL)", () => ({ status: 404, json: {} }), NO_AS_METADATA],
  ] as [string, () => Answer, string | RegExp][]).map(([what, answer, error]): NetCase => ({
    name: what,
    command: "discover",
    replies: () => ({ "as-metadata": answer() }),
    env: TIMEOUT_ENV,
    code: 1,
    error,
    check: (s) => assert.equal(s.hits("/elsewhere").length, 0, "no redirect was followed"),
  })),
];

describe("bad-input corpus: authorization server metadata (discover, authorize)", () => {
  let s: HostileServer;
  before(async () => {
    s = await startHostileServer();
  });
  after(() => s.close());

  for (const c of asCases) {
    it(`${c.name}: exit ${c.code}, one clear line, home unchanged`, async () => {
      const started = Date.now();
      await runCase(s, c);
      assert.ok(Date.now() - started < 5_000, "no wait beyond the timeout");
    });
  }

  it("S8: the RFC 8414 metadata answers 200 with a 20 MB body: the OpenID one is used, the 200 in the trace", async () => {
    const d = await discoverJson(s, () => ({
      "as-metadata": big(),
      "oidc-metadata": json(s.good.asMetadata()),
    }));
    assert.equal(d.json.issuer, s.origin);
    const step = d.json.trace.steps.find((st) =>
      st.url === `${s.origin}${ROUTE_PATHS["as-metadata"]}`
    )!;
    assert.equal(step.outcome, "failed");
    assert.equal(step.status, 200, "the server answered 200 before the body was refused");
    assert.equal(
      step.detail,
      `The response from ${s.origin}${
        ROUTE_PATHS["as-metadata"]
      } is larger than 1048576 bytes and was not read; check the URL.`,
    );
    assert.equal(
      (d.json as unknown as { asMetadataUrl: string }).asMetadataUrl,
      `${s.origin}${ROUTE_PATHS["oidc-metadata"]}`,
    );
  });

  it("S12: code_challenge_methods_supported is a string: the trace says PKCE is not advertised, no crash", async () => {
    const d = await discoverJson(s, () => ({
      "as-metadata": json({ ...s.good.asMetadata(), code_challenge_methods_supported: "S256" }),
    }));
    assert.equal(
      d.json.trace.steps.find((st) => st.url === `${s.origin}${ROUTE_PATHS["as-metadata"]}`)
        ?.detail,
      `issuer ${s.origin}; PKCE not advertised; registration yes; revocation yes`,
    );
  });

  for (const [what, value] of [["a number", 5], ["a string", "offline_access mcp:read"]]) {
    it(`S14: scopes_supported is ${what}: ignored (no offline_access), no crash`, async () => {
      const d = await discoverJson(s, () => ({
        "as-metadata": json({ ...s.good.asMetadata(), scopes_supported: value }),
      }));
      assert.deepEqual(d.json.scopes, ["mcp:read", "mcp:write"]);
    });
  }

  it("S14: PRM scopes_supported with control characters and non-strings: only well-formed scopes are requested", async () => {
    const d = await discoverJson(s, () => ({
      prm: json({
        ...s.good.prm(),
        scopes_supported: ["mcp:read", 7, "x\u001b[2J", null, "a\u009bb"],
      }),
    }));
    assert.deepEqual(d.json.scopes, ["mcp:read", "offline_access"]);
    assertNoControlCharacters(d.stdout);
  });

  for (
    const [what, methods] of [
      ["only plain", ["plain"]],
      ["missing", undefined],
      ["an empty list", []],
      ["a string", "S256"],
    ] as const
  ) {
    it(`S12: code_challenge_methods_supported ${what}: authorize refuses before registering`, async () => {
      await runCase(s, {
        name: `PKCE ${what}`,
        command: "authorize",
        seed: { client: false },
        replies: (s) => ({
          "as-metadata": json({
            ...s.good.asMetadata(),
            code_challenge_methods_supported: methods,
          }),
        }),
        code: 1,
        error: `{o} does not advertise PKCE with S256 (code_challenge_methods_supported: ${
          JSON.stringify(methods ?? null)
        }); mcp-oauth refuses to sign in without it. Ask the provider to enable PKCE.`,
      });
      assert.equal(s.hits(ROUTE_PATHS.register).length, 0);
    });
  }

  it("S6: authorize stops at a wrong issuer before registering", async () => {
    await runCase(s, {
      name: "authorize with a wrong issuer",
      command: "authorize",
      seed: { client: false },
      replies: (s) => ({
        "as-metadata": json({ ...s.good.asMetadata(), issuer: "https://evil.example" }),
      }),
      code: 1,
      error:
        `Authorization server metadata at ${AS_URL} names the issuer "https://evil.example", not {o} (RFC 8414 §3.3); not using it.`,
    });
    assert.equal(s.hits(ROUTE_PATHS.register).length, 0);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
