/**
 * authFetch with a DPoP-bound token (RFC 9449 §7, §9): the scheme and a fresh proof on each
 * request, exactly one retry for a server nonce, and a server that knows only Bearer.
 * The server is a scripted fetch: each case says what it answers.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createAuthFetch, type TokenSource } from "../../src/core/auth-fetch.ts";
import { type DpopKey, ensureDpopKey } from "../../src/core/dpop.ts";
import type { ServerDefinition } from "../../src/core/ports.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";

const SERVER: ServerDefinition = { name: "demo", url: "https://mcp.example.com/mcp" };
const claims = (proof: string | null) =>
  JSON.parse(atob(proof!.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));

/** A token source with one DPoP-bound token, counting refreshes. */
async function source(): Promise<TokenSource & { refreshes: number; key: DpopKey }> {
  const key = await ensureDpopKey(
    new MemoryStore(),
    "https://as.example.com",
    SERVER.url,
    "ES256",
    ["ES256"],
    0,
  );
  const tokens = {
    key,
    refreshes: 0,
    getAccessToken: () => Promise.resolve("bound-token"),
    getCredential: () => Promise.resolve({ token: "bound-token", dpop: key }),
    refresh: () => {
      tokens.refreshes++;
      return Promise.resolve();
    },
    heldScopes: () => Promise.resolve([]),
  };
  return tokens;
}

/** A fetch answering with `answer(request, n)`, keeping every request it saw. */
function server(answer: (req: Request, n: number) => Response) {
  const seen: Request[] = [];
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req);
    return Promise.resolve(answer(req, seen.length));
  };
  return { seen, fetch };
}

const nonce401 = (nonce: string) =>
  new Response(null, {
    status: 401,
    headers: { "www-authenticate": 'DPoP error="use_dpop_nonce"', "dpop-nonce": nonce },
  });

describe("authFetch with a DPoP-bound token", () => {
  it("sends Authorization: DPoP and a new proof each time, for the request's method and URL", async () => {
    const tokens = await source();
    const s = server(() => new Response("ok"));
    const fetch = createAuthFetch(tokens, SERVER, s.fetch);
    await fetch(`${SERVER.url}?x=1`, { method: "POST", body: "{}" });
    await fetch(SERVER.url, { method: "GET" });
    assert.deepEqual(s.seen.map((r) => r.headers.get("authorization")), [
      "DPoP bound-token",
      "DPoP bound-token",
    ]);
    const [a, b] = s.seen.map((r) => claims(r.headers.get("dpop")));
    assert.equal(a.htm, "POST");
    assert.equal(a.htu, SERVER.url, "no query");
    assert.equal(b.htm, "GET");
    assert.notEqual(a.jti, b.jti);
  });

  it("retries once with the server's nonce, and keeps it for the next requests", async () => {
    const tokens = await source();
    const s = server((req) =>
      claims(req.headers.get("dpop")).nonce === "n-1" ? new Response("ok") : nonce401("n-1")
    );
    const fetch = createAuthFetch(tokens, SERVER, s.fetch);
    assert.equal((await fetch(SERVER.url, { method: "POST" })).status, 200);
    assert.equal(s.seen.length, 2);
    assert.equal((await fetch(SERVER.url, { method: "POST" })).status, 200);
    assert.equal(s.seen.length, 3, "the nonce was kept");
    assert.equal(tokens.refreshes, 0);
  });

  it("a server that asks for a new nonce every time gets one retry, then a refresh, not a loop", async () => {
    const tokens = await source();
    const s = server((_req, n) => nonce401(`n-${n}`));
    const fetch = createAuthFetch(tokens, SERVER, s.fetch);
    await assert.rejects(fetch(SERVER.url, { method: "POST" }));
    assert.equal(tokens.refreshes, 1);
    assert.ok(s.seen.length <= 3, `requests: ${s.seen.length}`);
  });

  it("a server that answers with a Bearer-only challenge gets the token as a bearer token", async () => {
    const tokens = await source();
    const s = server((req) =>
      req.headers.get("authorization") === "Bearer bound-token"
        ? new Response("ok")
        : new Response(null, { status: 401, headers: { "www-authenticate": "Bearer" } })
    );
    const fetch = createAuthFetch(tokens, SERVER, s.fetch);
    assert.equal((await fetch(SERVER.url, { method: "POST" })).status, 200);
    assert.equal((await fetch(SERVER.url, { method: "POST" })).status, 200);
    assert.deepEqual(s.seen.map((r) => r.headers.get("authorization")), [
      "DPoP bound-token",
      "Bearer bound-token",
      "Bearer bound-token",
    ]);
    assert.equal(s.seen[1]!.headers.get("dpop"), null, "no proof with a bearer token");
  });

  it("a server added with --dpop never gets the token as a bearer token", async () => {
    const tokens = await source();
    const s = server((req) =>
      req.headers.get("authorization") === "Bearer bound-token"
        ? new Response("ok")
        : new Response(null, { status: 401, headers: { "www-authenticate": "Bearer" } })
    );
    const fetch = createAuthFetch(tokens, { ...SERVER, dpop: true }, s.fetch, {
      authorize: () => Promise.reject(new Error("no sign-in in this test")),
    });
    await assert.rejects(fetch(SERVER.url, { method: "POST" }), /no sign-in in this test/);
    assert.ok(s.seen.length >= 1);
    for (const r of s.seen) {
      assert.equal(r.headers.get("authorization"), "DPoP bound-token");
      assert.ok(r.headers.get("dpop"), "every request carries a proof");
    }
  });

  it("a Bearer-only 401 that refuses the bearer try too is not remembered: DPoP stays", async () => {
    const tokens = await source();
    const s = server((_req, n) =>
      n <= 2
        ? new Response(null, { status: 401, headers: { "www-authenticate": "Bearer" } })
        : new Response("ok")
    );
    const fetch = createAuthFetch(tokens, SERVER, s.fetch);
    assert.equal((await fetch(SERVER.url, { method: "POST" })).status, 200);
    assert.equal(tokens.refreshes, 1);
    assert.deepEqual(s.seen.map((r) => r.headers.get("authorization")?.split(" ")[0]), [
      "DPoP",
      "Bearer",
      "DPoP",
    ]);
  });
});
