/**
 * The redirect relay (issue 8): happy paths, error pass-through, hostile
 * input, a property test that no input ever redirects off the loopback
 * callback, and a whole sign-in through the relay.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { relayApp, relayTarget } from "../../src/http/relay.ts";
import { callbackApp } from "../../src/http/callback-app.ts";
import { createEngine } from "../../src/core/engine.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { signIn } from "../helpers/person.ts";

const app = relayApp();
const NONCE = "k3hK3FK6ggOY6YuZCK_hkpadDp0GoYZA7NObe8sMtMs";
const get = (query: string) => app.request(`https://relay.example/callback${query}`);

/** The Location of a relayed answer must always be http://localhost:PORT/callback?… */
function assertLoopback(location: string | null, port?: number) {
  assert.ok(location, "a Location header");
  const u = new URL(location!);
  assert.equal(u.protocol, "http:");
  assert.equal(u.hostname, "localhost");
  assert.equal(u.pathname, "/callback");
  assert.equal(u.username + u.password + u.hash, "");
  if (port !== undefined) assert.equal(u.port, String(port));
}

describe("relay: forwarding (issue 8)", () => {
  it("mcp-oauth:PORT:NONCE → 302 to http://localhost:PORT/callback with the bare nonce", async () => {
    const res = await get(
      `?code=abc.DEF-123&state=mcp-oauth:49152:${NONCE}&iss=${
        encodeURIComponent("https://as.example.com")
      }`,
    );
    assert.equal(res.status, 302);
    const loc = res.headers.get("location");
    assertLoopback(loc, 49152);
    const p = new URL(loc!).searchParams;
    assert.equal(p.get("code"), "abc.DEF-123");
    assert.equal(p.get("state"), NONCE);
    assert.equal(p.get("iss"), "https://as.example.com");
  });

  it("Docker's mcp-gateway:PORT:UUID works the same", async () => {
    const uuid = "3f2c6a4e-9b1d-4c7e-8a55-0e6f1d2c3b4a";
    const res = await get(`?code=xyz&state=mcp-gateway:5000:${uuid}`);
    assert.equal(res.status, 302);
    assertLoopback(res.headers.get("location"), 5000);
    assert.equal(new URL(res.headers.get("location")!).searchParams.get("state"), uuid);
  });

  it("error responses are passed through, and unknown parameters are dropped", async () => {
    const res = await get(
      `?error=access_denied&error_description=The+user+said+no&state=mcp-oauth:8000:${NONCE}&utm_source=x&redirect=https://evil.example`,
    );
    assert.equal(res.status, 302);
    const p = new URL(res.headers.get("location")!).searchParams;
    assert.equal(p.get("error"), "access_denied");
    assert.equal(p.get("error_description"), "The user said no");
    assert.equal(p.has("utm_source") || p.has("redirect"), false);
  });

  it("redirects with no-store, no Referer and HSTS; pages add CSP and friends; keeps nothing", async () => {
    const res = await get(`?code=a&state=mcp-oauth:8000:${NONCE}`);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("strict-transport-security"), "max-age=31536000");
    assert.equal(res.headers.get("set-cookie"), null);
    assert.equal(await res.text(), "");
    // The refusal page is a document: it gets the document headers too.
    const refused = await get(`?code=a&state=nope`);
    assert.equal(refused.status, 400);
    assert.match(refused.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(refused.headers.get("x-content-type-options"), "nosniff");
    assert.equal(refused.headers.get("x-frame-options"), "DENY");
    assert.equal(refused.headers.get("referrer-policy"), "no-referrer");
    assert.equal(refused.headers.get("cache-control"), "no-store");
    assert.equal(refused.headers.get("set-cookie"), null);
  });
});

describe("relay: hostile input is refused with 400 (issue 8)", () => {
  const s = (port: string, nonce = NONCE, prefix = "mcp-oauth") =>
    encodeURIComponent(`${prefix}:${port}:${nonce}`);
  const hostile: [string, string][] = [
    ["missing state", "?code=abc"],
    ["empty state", "?code=abc&state="],
    ["port 0", `?code=a&state=${s("0")}`],
    ["port 80 (privileged)", `?code=a&state=${s("80")}`],
    ["port 1023", `?code=a&state=${s("1023")}`],
    ["port 65536", `?code=a&state=${s("65536")}`],
    ["port 99999", `?code=a&state=${s("99999")}`],
    ["negative port", `?code=a&state=${s("-8000")}`],
    ["leading zero port", `?code=a&state=${s("08000")}`],
    ["fullwidth digits", `?code=a&state=${s("８０００")}`],
    ["host smuggled as port", `?code=a&state=${s("evil.example")}`],
    [
      "host:port smuggled",
      `?code=a&state=${encodeURIComponent(`mcp-oauth:evil.example:8000:${NONCE}`)}`,
    ],
    ["userinfo smuggled", `?code=a&state=${s("8000@evil.example")}`],
    ["path in port", `?code=a&state=${s("8000/evil")}`],
    ["unknown prefix", `?code=a&state=${s("8000", NONCE, "evil")}`],
    ["no prefix", `?code=a&state=${encodeURIComponent(`8000:${NONCE}`)}`],
    ["short nonce", `?code=a&state=${s("8000", "abc")}`],
    ["nonce too long", `?code=a&state=${s("8000", "a".repeat(200))}`],
    ["nonce with dot", `?code=a&state=${s("8000", `${NONCE}.x`)}`],
    ["nonce with slash", `?code=a&state=${s("8000", `${NONCE}/..`)}`],
    ["encoded CRLF in state", `?code=a&state=${s("8000")}%0d%0aLocation:%20https://evil.example`],
    ["encoded CRLF in code", `?code=a%0d%0aSet-Cookie:%20x=1&state=${s("8000")}`],
    ["NUL in code", `?code=a%00b&state=${s("8000")}`],
    ["unicode in code", `?code=%E2%98%83&state=${s("8000")}`],
    ["unicode in error_description", `?error=x&error_description=%E2%80%AEevil&state=${s("8000")}`],
    ["duplicate state", `?code=a&state=${s("8000")}&state=${s("9000")}`],
    ["duplicate code", `?code=a&code=b&state=${s("8000")}`],
    ["duplicate iss", `?code=a&iss=https://a&iss=https://b&state=${s("8000")}`],
    ["very long code", `?code=${"a".repeat(5000)}&state=${s("8000")}`],
    ["both code and error", `?code=a&error=access_denied&state=${s("8000")}`],
    ["neither code nor error", `?state=${s("8000")}`],
    ["tab in iss", `?code=a&iss=https://as%09.example&state=${s("8000")}`],
    ["script in state", `?code=a&state=${encodeURIComponent("<script>alert(1)</script>")}`],
  ];

  for (const [what, query] of hostile) {
    it(`${what}: 400, no Location, no reflected input`, async () => {
      const res = await get(query);
      assert.equal(res.status, 400, `${what} must be refused`);
      assert.equal(res.headers.get("location"), null);
      const body = await res.text();
      assert.match(body, /This sign-in cannot be relayed/);
      assert.doesNotMatch(
        body,
        /<script>|evil\.example|Set-Cookie/i,
        "the page never echoes the input",
      );
    });
  }

  it(`covers at least 30 hostile inputs (${hostile.length})`, () => {
    assert.ok(hostile.length >= 30);
  });
});

describe("relay: property (issue 8)", () => {
  it("no input ever yields a Location outside http://localhost:PORT/callback", () => {
    const piece = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.constantFrom(
        "mcp-oauth",
        "mcp-gateway",
        ":",
        "@",
        "/",
        "\\",
        "%0d%0a",
        "evil.example",
        "8000",
        "65535",
        NONCE,
      ),
    );
    const value = fc.array(piece, { maxLength: 6 }).map((xs) => xs.join(""));
    const param = fc.tuple(
      fc.constantFrom(
        "code",
        "state",
        "iss",
        "error",
        "error_description",
        "error_uri",
        "x",
        "redirect_uri",
      ),
      value,
    );
    fc.assert(
      fc.property(fc.array(param, { maxLength: 8 }), fc.boolean(), (params, raw) => {
        const query = raw
          ? "?" + params.map(([k, v]) => `${k}=${v}`).join("&")
          : "?" + new URLSearchParams(params).toString();
        let target: URL;
        try {
          target = relayTarget(query);
        } catch {
          return true; // refused: fine
        }
        assert.equal(target.protocol, "http:");
        assert.equal(target.hostname, "localhost");
        assert.equal(target.pathname, "/callback");
        const port = Number(target.port);
        assert.ok(port >= 1024 && port <= 65535);
        assert.equal(target.username + target.password + target.hash, "");
        for (const k of target.searchParams.keys()) {
          assert.ok(
            ["code", "state", "iss", "error", "error_description", "error_uri"].includes(k),
            k,
          );
        }
        return true;
      }),
      { numRuns: 5000 },
    );
  });
});

describe("relay: a whole sign-in through the relay (issue 8)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let relay: Listening;
  let loopback: Listening;
  after(async () => {
    await Promise.all([relay?.close(), loopback?.close(), mcp?.close(), as?.close()]);
  });
  before(async () => {
    as = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    relay = await listen(relayApp().fetch);
  });

  it("registers the relay's URL, sends mcp-oauth:PORT:NONCE, and the loopback listener completes", async () => {
    const engine = createEngine({ store: new MemoryStore(), servers: new MemoryRegistry() });
    let outcome: { ok: boolean; message: string } | undefined;
    loopback = await listen(
      callbackApp(async (url) => {
        outcome = await engine.completeAuthorization(url).then(
          () => ({ ok: true, message: "ok" }),
          (e: Error) => ({ ok: false, message: e.message }),
        );
        return outcome;
      }).fetch,
    );
    const server = { name: "demo", url: mcp.url };
    await engine.servers.put(server);
    const relayUri = `${relay.url}/callback`;
    const d = await engine.discover(server);
    const { url, state } = await engine.beginAuthorization(server, d, {
      redirectUri: relayUri,
      relayPort: loopback.port,
    });
    assert.equal(url.searchParams.get("redirect_uri"), relayUri);
    assert.equal(url.searchParams.get("state"), `mcp-oauth:${loopback.port}:${state}`);
    // The person signs in; the AS redirects to the relay.
    const { callbackUrl } = await signIn(url.href, { stopAtCallback: true });
    assert.ok(callbackUrl.startsWith(relayUri));
    const hop = await fetch(callbackUrl, { redirect: "manual" });
    assert.equal(hop.status, 302);
    const location = hop.headers.get("location")!;
    assertLoopback(location, loopback.port);
    // localhost → our listener on 127.0.0.1 (the browser's last hop).
    const last = await fetch(location.replace("//localhost:", "//127.0.0.1:"));
    assert.equal(last.status, 200);
    assert.deepEqual(outcome, { ok: true, message: "ok" });
    assert.equal((await engine.status((await engine.servers.get("demo"))!)).state, "authorized");
    const reg = await engine.registration(as.issuer);
    assert.deepEqual(
      reg?.redirect_uris,
      [relayUri],
      "the relay's URL is the registered redirect URI",
    );
  });
});
