/**
 * Properties of the URL rules (issue 10): well-known metadata URLs never leave the origin they
 * were built from (S2, S5), the canonical resource is stable (S13), and only https, or http on
 * loopback, is ever allowed (S17, S18, S24).
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCode } from "../../src/core/errors.ts";
import {
  assertAllowedUrl,
  authorizationServerMetadataUrls,
  canonicalResource,
  isLoopbackHost,
  parseUrl,
  protectedResourceMetadataUrls,
} from "../../src/core/urls.ts";
import { anyString, hostileText, settle } from "./props-helpers.ts";

const RUNS = 3000;

const authority = {
  withIPv4: true,
  withIPv6: true,
  withIPv4Extended: true,
  withPort: true,
  withUserInfo: true,
};
/** Any http(s) URL: IPv4 (extended forms too), IPv6, ports, user info, query, fragment. */
const webUrl = fc.webUrl({
  validSchemes: ["https", "http"],
  authoritySettings: authority,
  withQueryParameters: true,
  withFragments: true,
}).filter((u) => URL.canParse(u)).map((u) => new URL(u));
/** An issuer as RFC 8414 §2 defines it: https, no query, no fragment. */
const issuerUrl = fc.webUrl({
  validSchemes: ["https"],
  authoritySettings: { withIPv4: true, withIPv6: true, withPort: true },
}).filter((u) => URL.canParse(u)).map((u) => new URL(u));

const LOOPBACK_HOSTS = [
  "localhost",
  "LOCALHOST",
  "127.0.0.1",
  "127.1.2.3",
  "127.255.255.254",
  "0x7f.1",
  "2130706433",
  "[::1]",
  "[0:0:0:0:0:0:0:1]",
];
const OTHER_HOSTS = [
  "example.com",
  "localhost.example.com",
  "localhost.",
  "app.localhost",
  "127.0.0.1.nip.io",
  "128.0.0.1",
  "10.0.0.1",
  "169.254.169.254",
  "[::2]",
  "[::ffff:127.0.0.1]",
  "0.0.0.0",
  "evil.com#@127.0.0.1",
  "127.0.0.1@evil.com",
];

describe("URL rules: properties (issue 10, S2, S5, S13, S17, S18, S24)", () => {
  it(`S2: PRM URLs stay on the server's origin, under the well-known prefix (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(webUrl, (server) => {
        const urls = protectedResourceMetadataUrls(server);
        const root = `${server.origin}/.well-known/oauth-protected-resource`;
        assert.ok(urls.length === 1 || urls.length === 2);
        for (const u of urls) {
          const p = new URL(u);
          assert.equal(p.origin, server.origin, u);
          assert.ok(u.startsWith(`${root}`), u);
          assert.equal(p.username + p.password + p.hash, "", "no credentials or fragment");
        }
        assert.equal(urls.at(-1), root, "the root URL comes last");
        const path = server.pathname.replace(/\/+$/, "");
        if (urls.length === 2) assert.equal(urls[0], `${root}${path}${server.search}`);
        else assert.equal(path + server.search, "", "a root-only list only for a root URL");
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`S5: AS metadata URLs stay on the issuer's origin, in the spec's order (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(issuerUrl, (issuer) => {
        const urls = authorizationServerMetadataUrls(issuer);
        const path = issuer.pathname.replace(/\/+$/, "");
        const o = issuer.origin;
        for (const u of urls) {
          const p = new URL(u);
          assert.equal(p.origin, o, u);
          assert.equal(p.username + p.password + p.hash + p.search, "", u);
        }
        if (!path) {
          assert.deepEqual(urls, [
            `${o}/.well-known/oauth-authorization-server`,
            `${o}/.well-known/openid-configuration`,
          ]);
        } else {
          assert.deepEqual(urls, [
            `${o}/.well-known/oauth-authorization-server${path}`,
            `${o}/.well-known/openid-configuration${path}`,
            `${o}${path}/.well-known/openid-configuration`,
          ]);
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`S5: even an issuer with a query or fragment never yields another origin (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(webUrl, (issuer) => {
        for (const u of authorizationServerMetadataUrls(issuer)) {
          const p = new URL(u);
          assert.equal(p.origin, issuer.origin, u);
          assert.equal(p.username + p.password + p.hash, "", u);
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`S13: the canonical resource is idempotent, fragment-free and on the same origin (${RUNS} runs)`, () => {
    // Paths ending in several slashes included: all are stripped at once (a bug found here).
    const url = fc.oneof(
      webUrl,
      webUrl.map((u) => new URL(`${u.origin}${u.pathname}//${u.search}`)),
    );
    fc.assert(
      fc.property(url, fc.boolean(), (u, asString) => {
        const c = canonicalResource(asString ? u.href : u);
        const p = new URL(c);
        assert.equal(p.origin, u.origin);
        assert.equal(p.hash, "", "no fragment");
        assert.ok(!c.endsWith("/") || p.search !== "", `no trailing slash: ${c}`);
        assert.equal(canonicalResource(c), c, "idempotent");
        assert.equal(canonicalResource(p), c, "idempotent from a URL");
        assert.equal(p.search, u.search, "the query is kept");
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`S18/S24: only https, or http on loopback, is allowed (${RUNS} runs)`, () => {
    const scheme = fc.constantFrom(
      "https",
      "http",
      "HTTPS",
      "HtTp",
      "javascript",
      "data",
      "file",
      "ftp",
      "ws",
      "wss",
      "blob",
      "mailto",
      "x-custom",
      "vbscript",
    );
    const host = fc.oneof(
      fc.constantFrom(...LOOPBACK_HOSTS, ...OTHER_HOSTS),
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((h) => `[${h}]`),
    );
    const rest = fc.constantFrom("", "/", "/cb?x=1", ":8443/mcp", "/%0d%0a", "#frag");
    const input = fc.oneof(
      fc.tuple(scheme, host, rest).map(([s, h, r]) => `${s}://${h}${r}`),
      fc.tuple(scheme, hostileText([":", "//", "/", "alert(1)", "127.0.0.1", "@"])).map((
        [s, r],
      ) => `${s}:${r}`),
    );
    fc.assert(
      fc.property(input, fc.boolean(), (text, insecure) => {
        const parsed = settle(() => parseUrl(text, "URL"), [ErrorCode.INVALID_URL]);
        if (!parsed.ok) return true;
        const url = parsed.value;
        const r = settle(() => assertAllowedUrl(url, "URL", insecure), [ErrorCode.INSECURE_URL]);
        if (r.ok) {
          assert.equal(r.value, url);
          assert.ok(url.protocol === "https:" || url.protocol === "http:", url.href);
          if (url.protocol === "http:" && !insecure) {
            assert.ok(isLoopbackHost(url.hostname), `http only on loopback: ${url.href}`);
            const h = url.hostname.replace(/^\[|\]$/g, "");
            assert.ok(
              h === "localhost" || h === "::1" ||
                /^127\.\d+\.\d+\.\d+$/.test(h),
              `really a loopback host: ${h}`,
            );
          }
        } else {
          assert.ok(
            !(url.protocol === "https:") &&
              !(url.protocol === "http:" && (insecure || isLoopbackHost(url.hostname))),
            `refused only when not allowed: ${url.href}`,
          );
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`S17: isLoopbackHost agrees with the address on every parsed host (${RUNS} runs)`, () => {
    const ipv4 = fc.tuple(
      fc.oneof(fc.constant(127), fc.nat(255)),
      fc.nat(255),
      fc.nat(255),
      fc.nat(255),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          ipv4.map((o) => ({ host: o.join("."), loopback: o[0] === 127 })),
          // Bun 1.4 rejects some valid forms such as [1:2:3:4::1.2.3.4]; Node and Deno take them.
          fc.ipV6().filter((h) => URL.canParse(`http://[${h}]/`)).map((h) => ({
            host: `[${h}]`,
            loopback: new URL(`http://[${h}]/`).hostname === "[::1]",
          })),
          fc.domain().map((d) => ({
            host: d,
            loopback: d === "localhost",
          })),
          fc.constantFrom(...LOOPBACK_HOSTS).map((host) => ({ host, loopback: true })),
        ),
        ({ host, loopback }) => {
          const hostname = new URL(`http://${host}/`).hostname;
          assert.equal(isLoopbackHost(hostname), loopback, hostname);
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`parseUrl and isLoopbackHost never crash on any text (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(anyString, (text) => {
        assert.equal(typeof isLoopbackHost(text), "boolean");
        const r = settle(() => parseUrl(text, "URL"), [ErrorCode.INVALID_URL]);
        if (r.ok) assert.ok(r.value instanceof URL);
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});
