/**
 * Attacks with names under `.localhost` (issue 15, item 9). RFC 6761 lets resolvers answer such
 * names with loopback, but Node and Deno ask the system resolver, which may send
 * `evil.localhost` anywhere (a search domain, a hostile DNS server). So only `localhost` itself
 * and loopback IP literals count as this machine: a `.localhost` name gets neither plain http
 * nor a pass through the SSRF guard. The hosts are made up; a routing fetch logs every request.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseCommandArgs } from "../../src/cli/args.ts";
import { SIGN_IN_OPTIONS, signInOptionsFrom } from "../../src/cli/sign-in-options.ts";
import { discover } from "../../src/core/discover.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { createHttpContext } from "../../src/core/http-context.ts";
import { isLoopbackHost } from "../../src/core/urls.ts";

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

/** A remote MCP server and AS whose metadata names `endpoints`; every URL asked is logged. */
function network(endpoints: Record<string, string>) {
  const log: string[] = [];
  const fetchImpl = (input: string | URL | Request) => {
    const url = new URL(input instanceof Request ? input.url : input);
    log.push(url.href);
    if (url.host === "mcp.example.com" && url.pathname === "/mcp") {
      return Promise.resolve(
        new Response(null, { status: 401, headers: { "www-authenticate": "Bearer" } }),
      );
    }
    if (url.host === "mcp.example.com") {
      return Promise.resolve(json({
        resource: "https://mcp.example.com/mcp",
        authorization_servers: ["https://auth.example.com"],
      }));
    }
    if (url.href === "https://auth.example.com/.well-known/oauth-authorization-server") {
      return Promise.resolve(json({
        issuer: "https://auth.example.com",
        authorization_endpoint: "https://auth.example.com/authorize",
        token_endpoint: "https://auth.example.com/token",
        code_challenge_methods_supported: ["S256"],
        ...endpoints,
      }));
    }
    return Promise.resolve(new Response("not found", { status: 404 }));
  };
  return { log, fetchImpl };
}

async function refusal(promise: Promise<unknown>): Promise<McpOAuthError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof McpOAuthError, `expected a refusal, got ${err}`);
  return err;
}

const NAMES = ["evil.localhost", "metadata.localhost", "a.b.localhost", "EVIL.LOCALHOST"];

describe("attacks: names under .localhost are not loopback (issue 15, item 9)", () => {
  it("only localhost and loopback literals count as this machine", () => {
    for (const n of NAMES) assert.equal(isLoopbackHost(n), false, n);
    for (const n of ["localhost", "127.0.0.1", "127.8.9.10", "[::1]", "::1"]) {
      assert.equal(isLoopbackHost(n), true, n);
    }
  });

  it("an MCP server at http://NAME.localhost is refused as plain http, before any request", async () => {
    for (const n of NAMES) {
      const net = network({});
      const err = await refusal(
        discover(createHttpContext(net.fetchImpl), `http://${n}:8080/mcp`),
      );
      assert.equal(err.code, ErrorCode.INSECURE_URL, err.message);
      assert.deepEqual(net.log, [], `${n}: contacted`);
    }
  });

  it("metadata naming http://NAME.localhost endpoints is refused as plain http; never contacted", async () => {
    for (const key of ["token_endpoint", "registration_endpoint", "revocation_endpoint"]) {
      for (const n of NAMES) {
        const net = network({ [key]: `http://${n}/x` });
        const err = await refusal(
          discover(createHttpContext(net.fetchImpl), "https://mcp.example.com/mcp"),
        );
        assert.equal(err.code, ErrorCode.INSECURE_URL, `${key} ${n}: ${err.message}`);
        assert.ok(!net.log.some((u) => u.includes(".localhost")), `${key} ${n}: contacted`);
      }
    }
  });

  it("metadata naming https://NAME.localhost endpoints meets the SSRF guard like any other host", async () => {
    for (const n of NAMES) {
      const net = network({ registration_endpoint: `https://${n}/register` });
      const err = await refusal(
        discover(createHttpContext(net.fetchImpl), "https://mcp.example.com/mcp"),
      );
      assert.equal(err.code, ErrorCode.UNTRUSTED_HOST, `${n}: ${err.message}`);
      assert.ok(err.message.includes(n.toLowerCase()), err.message);
    }
  });

  it("--redirect-uri http://NAME.localhost:PORT/… is no loopback listener, and plain http there is refused", () => {
    for (const n of NAMES) {
      const args = parseCommandArgs(
        "authorize",
        [
          "demo",
          "--redirect-uri",
          `http://${n}:8123/callback`,
        ],
        SIGN_IN_OPTIONS,
        { min: 1, max: 1, names: "a server" },
      );
      assert.throws(
        () => signInOptionsFrom("authorize", args),
        (e: unknown) =>
          e instanceof McpOAuthError && e.code === ErrorCode.USAGE &&
          /--redirect-uri .* uses plain http on a non-loopback host/.test(e.message),
        n,
      );
    }
  });
});
