/**
 * The redirect relay (issue 8): happy paths, error pass-through, hostile
 * input (the cases of relay-cases.ts, which also run in workerd and under
 * `deno serve`), a property test that no input ever redirects off the
 * loopback callback, and a whole sign-in through the relay.
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
import { assertLoopback, HOSTILE, NONCE, relayRequestCases } from "./relay-cases.ts";

const app = relayApp();
const get = (query: string) => app.request(`https://relay.example/callback${query}`);

describe("relay: request cases in-process, app.request() (issue 8)", () => {
  relayRequestCases(get);

  it(`covers at least 30 hostile inputs (${HOSTILE.length})`, () => {
    assert.ok(HOSTILE.length >= 30);
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
