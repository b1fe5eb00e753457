/**
 * The relay's bad-input corpus (issue 10), written once and run against every way the relay is
 * served: in-process with `app.request()` (local-relay.test.ts), in workerd and under
 * `deno serve` (test/http/relay-workerd.test.ts, relay-deno-serve.test.ts). Boundaries of the
 * port, nonce and value length; separators, encodings and parameter names a browser or a
 * provider could send; other methods and paths; and inputs the relay forwards, each checked to
 * land only on http://localhost:PORT/callback with the exact Location expected. The page must
 * never echo the input.
 *
 * @module
 */
import assert from "node:assert/strict";
import { it } from "node:test";

const NONCE = "k3hK3FK6ggOY6YuZCK_hkpadDp0GoYZA7NObe8sMtMs";
const s = (port: string, nonce = NONCE, prefix = "mcp-oauth") =>
  encodeURIComponent(`${prefix}:${port}:${nonce}`);

/** Answers a path and query on the relay, without following redirects. */
export type RelayRequest = (path: string, init?: RequestInit) => Response | Promise<Response>;

const BAD_STATE = 'the "state" parameter is not of the form mcp-oauth:PORT:NONCE';
const ONE_OF = 'exactly one of "code" and "error" must be present';
const MISSING_STATE = 'the "state" parameter is missing';
const notAllowed = (name: string) => `the parameter "${name}" has characters OAuth does not allow`;
const tooLong = (name: string) => `the parameter "${name}" is too long`;

/** [what, path and query, the reason the page gives]. */
const REFUSED: [string, string, string][] = [
  ["an empty code", `/callback?code=&state=${s("8000")}`, 'the parameter "code" is empty'],
  [
    "an empty error beside a code",
    `/callback?code=a&error=&state=${s("8000")}`,
    'the parameter "error" is empty',
  ],
  ["a + before the port", `/callback?code=a&state=${s("+8000")}`, BAD_STATE],
  ["a space before the port", `/callback?code=a&state=${s(" 8000")}`, BAD_STATE],
  ["a three-digit port", `/callback?code=a&state=${s("999")}`, BAD_STATE],
  ["a six-digit port", `/callback?code=a&state=${s("100000")}`, BAD_STATE],
  [
    "a nonce of 15 characters (one short)",
    `/callback?code=a&state=${s("8000", "n".repeat(15))}`,
    BAD_STATE,
  ],
  [
    "a nonce of 129 characters (one over)",
    `/callback?code=a&state=${s("8000", "n".repeat(129))}`,
    BAD_STATE,
  ],
  ["= in the nonce", `/callback?code=a&state=${s("8000", `${NONCE}=`)}`, BAD_STATE],
  ["a fourth state segment", `/callback?code=a&state=${s("8000", `${NONCE}:x`)}`, BAD_STATE],
  ["an upper-case prefix", `/callback?code=a&state=${s("8000", NONCE, "MCP-OAUTH")}`, BAD_STATE],
  [
    "Docker's prefix with a short id",
    `/callback?code=a&state=${s("8000", "abc", "mcp-gateway")}`,
    BAD_STATE,
  ],
  ["a NUL after the state", `/callback?code=a&state=${s("8000")}%00`, notAllowed("state")],
  ["DEL in the code", `/callback?code=a%7Fb&state=${s("8000")}`, notAllowed("code")],
  [
    "a code of 2049 characters (one over)",
    `/callback?code=${"c".repeat(2049)}&state=${s("8000")}`,
    tooLong("code"),
  ],
  [
    "an error_description of 2049 characters",
    `/callback?error=x&error_description=${"d".repeat(2049)}&state=${s("8000")}`,
    tooLong("error_description"),
  ],
  ["; as the separator", `/callback?code=a;state=${s("8000")}`, MISSING_STATE],
  ["STATE in capitals", `/callback?code=a&STATE=${s("8000")}`, MISSING_STATE],
  ["the parameters in the fragment", `/callback#code=a&state=${s("8000")}`, MISSING_STATE],
  ["a second ? before the parameters", `/callback??code=a&state=${s("8000")}`, ONE_OF],
  ["a unicode parameter name only", `/callback?c%C3%B6de=a&state=${s("8000")}`, ONE_OF],
];

/** [what, path and query, the Location the relay must answer]. */
const FORWARDED: [string, string, string][] = [
  [
    "port 1024 (the lowest)",
    `/callback?code=a&state=${s("1024")}`,
    `http://localhost:1024/callback?code=a&state=${NONCE}`,
  ],
  [
    "port 65535 (the highest)",
    `/callback?code=a&state=${s("65535")}`,
    `http://localhost:65535/callback?code=a&state=${NONCE}`,
  ],
  [
    "a nonce of 128 characters (the longest)",
    `/callback?code=a&state=${s("8000", "n".repeat(128))}`,
    `http://localhost:8000/callback?code=a&state=${"n".repeat(128)}`,
  ],
  [
    "a code of 2048 characters (the most)",
    `/callback?code=${"c".repeat(2048)}&state=${s("8000")}`,
    `http://localhost:8000/callback?code=${"c".repeat(2048)}&state=${NONCE}`,
  ],
  [
    "a javascript: error_uri (passed on encoded; the callback page never links it)",
    `/callback?error=x&error_uri=javascript:alert(1)&state=${s("8000")}`,
    `http://localhost:8000/callback?state=${NONCE}&error=x&error_uri=javascript%3Aalert(1)`,
  ],
  [
    "a double-encoded CRLF (stays encoded)",
    `/callback?code=a%250d%250aX&state=${s("8000")}`,
    `http://localhost:8000/callback?code=a%250d%250aX&state=${NONCE}`,
  ],
  [
    "an encoded parameter name",
    `/callback?code=a&st%61te=${s("8000")}`,
    `http://localhost:8000/callback?code=a&state=${NONCE}`,
  ],
  [
    "10,000 unknown parameters (dropped)",
    `/callback?${Array.from({ length: 10_000 }, (_, i) => `p${i}=x`).join("&")}&code=a&state=${
      s("8000")
    }`,
    `http://localhost:8000/callback?code=a&state=${NONCE}`,
  ],
  [
    "an empty parameter name (dropped)",
    `/callback?=x&code=a&state=${s("8000")}`,
    `http://localhost:8000/callback?code=a&state=${NONCE}`,
  ],
  [
    "an iss that is not a URL (the callback checks it)",
    `/callback?code=a&iss=not%20a%20url&state=${s("8000")}`,
    `http://localhost:8000/callback?code=a&state=${NONCE}&iss=not%20a%20url`,
  ],
  [
    "a broken percent escape",
    `/callback?code=%zz&state=${s("8000")}`,
    `http://localhost:8000/callback?code=%25zz&state=${NONCE}`,
  ],
  [
    "a + in the code (form encoding: a space)",
    `/callback?code=a+b&state=${s("8000")}`,
    `http://localhost:8000/callback?code=a%20b&state=${NONCE}`,
  ],
];

/** Options of {@link relayCorpusCases}. */
export interface CorpusOptions {
  /**
   * Over HTTP: a forwarded case whose path is longer may instead be refused by the server in
   * front of the relay (workerd answers 414, Deno 400 or a reset, Cloudflare's edge 414 past
   * 16 KiB), as long as that answer has no Location.
   */
  urlLimit?: number;
}

/**
 * Registers the corpus as `it` tests in the caller's `describe`, each sent through `request`.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.2
 */
export function relayCorpusCases(request: RelayRequest, opts: CorpusOptions = {}): void {
  for (const [what, path, reason] of REFUSED) {
    it(`${what}: 400 saying why, no Location, nothing echoed`, async () => {
      const res = await request(path);
      const body = await res.text();
      assert.equal(res.status, 400, body);
      assert.equal(res.headers.get("location"), null);
      assert.match(body, /This sign-in cannot be relayed/);
      assert.ok(
        body.includes(`the mcp-oauth relay forwards: ${escapeHtml(reason)}.`),
        `the reason "${reason}" in:\n${body}`,
      );
      assert.doesNotMatch(body, new RegExp(NONCE), "the input is not echoed");
      assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    });
  }

  for (const [what, path, location] of FORWARDED) {
    const long = opts.urlLimit !== undefined && path.length > opts.urlLimit;
    const refusal = long ? ", or refused by the server in front (4xx, no Location)" : "";
    it(`${what}: 302 to exactly ${location.slice(0, 60)}…${refusal}`, async () => {
      // Deno's server answers 400 and closes while the request is still being sent: the client
      // may see a reset instead. No redirect either way.
      const res = await Promise.resolve(request(path)).catch((err) => {
        if (long) return null;
        throw err;
      });
      if (res === null) return;
      if (long && res.status >= 400 && res.status < 500) {
        assert.equal(res.headers.get("location"), null);
        return;
      }
      assert.equal(res.status, 302, await res.text());
      assert.equal(res.headers.get("location"), location);
      const u = new URL(location);
      assert.equal(`${u.protocol}//${u.hostname}${u.pathname}`, "http://localhost/callback");
    });
  }

  for (
    const [what, path, init] of [
      ["a POST", `/callback?code=a&state=${s("8000")}`, { method: "POST" }],
      ["a trailing slash", `/callback/?code=a&state=${s("8000")}`, undefined],
      ["the path in capitals", `/CALLBACK?code=a&state=${s("8000")}`, undefined],
      ["a double slash", `//callback?code=a&state=${s("8000")}`, undefined],
      ["another path", `/admin?code=a&state=${s("8000")}`, undefined],
    ] as const
  ) {
    it(`${what}: 404 Not found, no Location`, async () => {
      const res = await request(path, init);
      assert.equal(res.status, 404);
      assert.equal(res.headers.get("location"), null);
      assert.equal(await res.text(), "Not found");
    });
  }

  it("a foreign Host and X-Forwarded-Host do not move the Location off localhost", async () => {
    const res = await request(`/callback?code=a&state=${s("8000")}`, {
      headers: { host: "evil.example", "x-forwarded-host": "evil.example" },
    });
    assert.equal(res.status, 302);
    assert.equal(
      res.headers.get("location"),
      `http://localhost:8000/callback?code=a&state=${NONCE}`,
    );
  });

  it("a HEAD answers like GET: the same Location, no body", async () => {
    const res = await request(`/callback?code=a&state=${s("8000")}`, { method: "HEAD" });
    assert.equal(res.status, 302);
    assert.equal(
      res.headers.get("location"),
      `http://localhost:8000/callback?code=a&state=${NONCE}`,
    );
    assert.equal(await res.text(), "");
  });
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
