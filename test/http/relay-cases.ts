/**
 * The relay's request cases (issue 8), written once and run against every way the relay is
 * served: in-process with `app.request()` (relay.test.ts), in workerd (relay-workerd.test.ts)
 * and under `deno serve` (relay-deno-serve.test.ts). Valid states with a code and with an error,
 * Docker's state, the security headers, and every hostile state (400, no Location, nothing
 * echoed).
 *
 * @module
 */
import { it } from "node:test";
import assert from "node:assert/strict";

/** A nonce of the length mcp-oauth sends (43 base64url characters). */
export const NONCE = "k3hK3FK6ggOY6YuZCK_hkpadDp0GoYZA7NObe8sMtMs";

/** Answers `GET /callback` + query (query starts with `?`) without following redirects. */
export type RelayGet = (query: string) => Response | Promise<Response>;

/**
 * The Location of a relayed answer must always be http://localhost:PORT/callback?…
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-7.3
 */
export function assertLoopback(location: string | null, port?: number): void {
  assert.ok(location, "a Location header");
  const u = new URL(location!);
  assert.equal(u.protocol, "http:");
  assert.equal(u.hostname, "localhost");
  assert.equal(u.pathname, "/callback");
  assert.equal(u.username + u.password + u.hash, "");
  if (port !== undefined) assert.equal(u.port, String(port));
}

const s = (port: string, nonce = NONCE, prefix = "mcp-oauth") =>
  encodeURIComponent(`${prefix}:${port}:${nonce}`);

/** [what, query]: each must be refused with 400, no Location and no echo of the input. */
export const HOSTILE: readonly (readonly [string, string])[] = [
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

/**
 * Registers the relay's request cases as `it` tests in the caller's `describe`, each asking
 * `get` for `/callback` + a query: the forwarding cases, then every {@link HOSTILE} state.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.2
 */
export function relayRequestCases(get: RelayGet): void {
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
    await res.body?.cancel();
  });

  it("Docker's mcp-gateway:PORT:UUID works the same", async () => {
    const uuid = "3f2c6a4e-9b1d-4c7e-8a55-0e6f1d2c3b4a";
    const res = await get(`?code=xyz&state=mcp-gateway:5000:${uuid}`);
    assert.equal(res.status, 302);
    assertLoopback(res.headers.get("location"), 5000);
    assert.equal(new URL(res.headers.get("location")!).searchParams.get("state"), uuid);
    await res.body?.cancel();
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
    await res.body?.cancel();
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
    await refused.body?.cancel();
  });

  for (const [what, query] of HOSTILE) {
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
}
