/**
 * SSRF guard (issue 10): metadata may only lead discovery to loopback, the MCP server's host and
 * the authorization server it names; never to private ranges the user did not give. The hosts
 * here are not real: a routing fetch answers for them in-process, and records every request so
 * the tests can prove a refused host was never contacted.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { discover } from "../../src/core/discover.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { hostOf, HostScope, isPrivateAddress } from "../../src/core/host-policy.ts";
import { createHttpContext } from "../../src/core/http-context.ts";

type Handler = (url: URL) => Response | undefined;

/** A fetch that answers for made-up hosts and logs every URL asked for. */
function network(hosts: Record<string, Handler>) {
  const log: string[] = [];
  const fetchImpl = (input: string | URL | Request) => {
    const url = new URL(input instanceof Request ? input.url : input);
    log.push(url.href);
    const res = hosts[url.host]?.(url);
    return Promise.resolve(res ?? new Response("not found", { status: 404 }));
  };
  return { log, fetchImpl };
}

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

/** An MCP server at https://HOST/mcp whose PRM names `issuer`; `header` moves the PRM. */
function mcpHost(host: string, issuer: string, header?: string): Handler {
  return (url) => {
    if (url.pathname === "/mcp") {
      return new Response(null, {
        status: 401,
        headers: {
          "www-authenticate": header ? `Bearer resource_metadata="${header}"` : "Bearer",
        },
      });
    }
    if (url.pathname.startsWith("/.well-known/oauth-protected-resource")) {
      return json({ resource: `https://${host}/mcp`, authorization_servers: [issuer] });
    }
    return undefined;
  };
}

/** An AS whose metadata sits at the RFC 8414 URL; `endpoints` overrides its endpoints. */
function asHost(issuer: string, endpoints: Record<string, string> = {}): Handler {
  return (url) => {
    if (url.pathname !== "/.well-known/oauth-authorization-server") return undefined;
    return json({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      registration_endpoint: `${issuer}/register`,
      code_challenge_methods_supported: ["S256"],
      ...endpoints,
    });
  };
}

async function refused(promise: Promise<unknown>, host: string): Promise<McpOAuthError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof McpOAuthError, `expected an McpOAuthError, got ${err}`);
  assert.equal(err.code, ErrorCode.UNTRUSTED_HOST, err.message);
  assert.ok(err.message.includes(`points at`) && err.message.includes(host), err.message);
  assert.ok(err.message.includes(`add "${host}" to "allowedHosts"`), err.message);
  assert.ok(!err.message.includes("\n"));
  return err;
}

describe("SSRF guard: where metadata may send discovery (issue 10)", () => {
  it("a 401 header pointing the PRM at another host is refused; that host is never contacted", async () => {
    const net = network({
      "mcp.example.com": mcpHost(
        "mcp.example.com",
        "https://mcp.example.com",
        "https://evil.example/prm",
      ),
      "evil.example": () => json({}),
    });
    await refused(
      discover(createHttpContext(net.fetchImpl), "https://mcp.example.com/mcp"),
      "evil.example",
    );
    assert.ok(!net.log.some((u) => new URL(u).host === "evil.example"), net.log.join("\n"));
  });

  it("an authorization server at a private or link-local address is refused (cloud metadata)", async () => {
    for (
      const issuer of [
        "https://169.254.169.254",
        "https://10.0.0.5",
        "https://192.168.1.1",
        "https://172.16.3.4",
        "https://[fd00::1]",
        "https://[::ffff:169.254.169.254]",
        "https://0xa9fea9fe", // 169.254.169.254 written in hex
      ]
    ) {
      const net = network({ "mcp.example.com": mcpHost("mcp.example.com", issuer) });
      const host = hostOf(issuer);
      await refused(
        discover(createHttpContext(net.fetchImpl), "https://mcp.example.com/mcp"),
        host,
      );
      assert.ok(
        !net.log.some((u) => hostOf(u) === host),
        `${issuer} was contacted: ${net.log.join(", ")}`,
      );
    }
  });

  it("AS metadata endpoints on a foreign host are refused, each by name", async () => {
    for (
      const [key, url, host] of [
        ["token_endpoint", "https://collector.example/token", "collector.example"],
        ["registration_endpoint", "https://192.168.0.10/register", "192.168.0.10"],
        ["revocation_endpoint", "https://intranet.corp/revoke", "intranet.corp"],
        ["authorization_endpoint", "https://phish.example/authorize", "phish.example"],
        ["device_authorization_endpoint", "https://10.1.2.3/device", "10.1.2.3"],
      ] as const
    ) {
      const net = network({
        "mcp.example.com": mcpHost("mcp.example.com", "https://auth.example.com"),
        "auth.example.com": asHost("https://auth.example.com", { [key]: url }),
      });
      const err = await refused(
        discover(createHttpContext(net.fetchImpl), "https://mcp.example.com/mcp"),
        host,
      );
      assert.ok(err.message.startsWith(`AS metadata ${key} `), err.message);
      if (isPrivateAddress(host)) assert.match(err.message, /the private address/);
    }
  });

  it("the server's own hosts work: AS on another public host, endpoints on the issuer's host", async () => {
    const net = network({
      "mcp.example.com": mcpHost("mcp.example.com", "https://auth.example.com"),
      "auth.example.com": asHost("https://auth.example.com", {
        revocation_endpoint: "https://auth.example.com/revoke",
      }),
    });
    const d = await discover(createHttpContext(net.fetchImpl), "https://mcp.example.com/mcp");
    assert.equal(d.issuer, "https://auth.example.com");
    assert.equal(d.as.token_endpoint, "https://auth.example.com/token");
  });

  it("a server the user gave on a private address may use its own host", async () => {
    const net = network({
      "10.0.0.5": (url) =>
        mcpHost("10.0.0.5", "https://10.0.0.5")(url) ?? asHost("https://10.0.0.5")(url),
    });
    const d = await discover(createHttpContext(net.fetchImpl), "https://10.0.0.5/mcp");
    assert.equal(d.issuer, "https://10.0.0.5");
  });

  it("allowedHosts lets the user trust a host that metadata names", async () => {
    const hosts = {
      "mcp.example.com": mcpHost("mcp.example.com", "https://10.9.9.9"),
      "10.9.9.9": asHost("https://10.9.9.9", { token_endpoint: "https://tokens.example/t" }),
    };
    await refused(
      discover(createHttpContext(network(hosts).fetchImpl), "https://mcp.example.com/mcp"),
      "10.9.9.9",
    );
    await refused(
      discover(
        createHttpContext(network(hosts).fetchImpl, { allowedHosts: ["10.9.9.9"] }),
        "https://mcp.example.com/mcp",
      ),
      "tokens.example",
    );
    const d = await discover(
      createHttpContext(network(hosts).fetchImpl, {
        allowedHosts: ["10.9.9.9", "TOKENS.example"],
      }),
      "https://mcp.example.com/mcp",
    );
    assert.equal(d.as.token_endpoint, "https://tokens.example/t");
  });

  it("endpoints are kept as the URL parser writes them: no control character survives (S26)", async () => {
    const net = network({
      "mcp.example.com": mcpHost("mcp.example.com", "https://auth.example.com"),
      "auth.example.com": asHost("https://auth.example.com", {
        registration_endpoint: "https://auth.example.com/reg\u001b[2J",
        authorization_endpoint: "https://auth.example.com/authorize\u009b31m",
      }),
    });
    const d = await discover(createHttpContext(net.fetchImpl), "https://mcp.example.com/mcp");
    assert.equal(d.as.registration_endpoint, "https://auth.example.com/reg%1B[2J");
    assert.equal(d.as.authorization_endpoint, "https://auth.example.com/authorize%C2%9B31m");
  });

  it("an issuer with a query is refused before any metadata URL is built from it (RFC 8414 §2)", async () => {
    const net = network({
      "mcp.example.com": mcpHost("mcp.example.com", "https://auth.example.com/t1?x=1"),
    });
    const err = await discover(createHttpContext(net.fetchImpl), "https://mcp.example.com/mcp")
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof McpOAuthError && err.code === ErrorCode.DISCOVERY_FAILED);
    assert.match(err.message, /has a query or fragment, which an issuer may not have/);
    assert.ok(!net.log.some((u) => hostOf(u) === "auth.example.com"), net.log.join("\n"));
  });

  it("isPrivateAddress: private, reserved and mapped forms vs public addresses and names", () => {
    const priv = [
      "10.0.0.1",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "[fd00::1]",
      "fe80::1",
      "::",
      "::ffff:a9fe:a9fe",
      "ff02::1",
    ];
    const pub = [
      "8.8.8.8",
      "1.1.1.1",
      "172.32.0.1",
      "100.128.0.1",
      "2606:4700::1111",
      "example.com",
      "10.example.com",
      "127.0.0.1",
      "::1",
    ];
    for (const h of priv) assert.equal(isPrivateAddress(h), true, h);
    for (const h of pub) assert.equal(isPrivateAddress(h), false, h);
  });

  it("property: for any host, check() accepts exactly own and allowed hosts, and loopback for a server on loopback", () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
    const host = fc.oneof(
      fc.tuple(label, label).map(([a, b]) => `${a}.${b}`),
      fc.ipV4(),
      fc.constantFrom("localhost", "127.0.0.1", "[::1]", "mcp.example.com", "auth.example.com"),
    );
    fc.assert(
      fc.property(host, fc.array(host, { maxLength: 2 }), fc.boolean(), (h, allowed, local) => {
        const server = local ? "http://127.0.0.1:3000/mcp" : "https://mcp.example.com/mcp";
        const scope = new HostScope(new URL(server), allowed);
        scope.adoptIssuer(new URL("https://auth.example.com"), "AS");
        const url = new URL(`https://${h}/x`);
        const name = hostOf(url);
        const loopback = ["localhost", "::1"].includes(name) || /^127\./.test(name);
        const expected = [hostOf(server), "auth.example.com"].includes(name) ||
          (local && loopback) ||
          allowed.some((a) => hostOf(`https://${a}`) === name);
        let ok: boolean;
        try {
          scope.check(url, "URL");
          ok = true;
        } catch (err) {
          assert.ok(err instanceof McpOAuthError && err.code === ErrorCode.UNTRUSTED_HOST);
          ok = false;
        }
        assert.equal(ok, expected, name);
      }),
      { numRuns: 2000 },
    );
  });
});
