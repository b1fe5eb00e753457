/**
 * Stealing the authorization code on [::1] (issue 15, item 10). With a redirect URI on
 * `localhost` (`--redirect-uri http://localhost:N/…`, and every relay, which forwards to
 * http://localhost:PORT/callback), browsers resolve `localhost` to ::1 and 127.0.0.1 and try ::1
 * first. The sign-in listener bound only 127.0.0.1, so another local program listening on
 * [::1]:N got the browser's request, code included. Now mcp-oauth holds both addresses, or
 * refuses to start the sign-in when [::1]:N is someone else's. Likewise a redirect URI on
 * another loopback address (127.0.0.2) is listened on there, not on 127.0.0.1. Real CLI runs
 * against the real authorization server and MCP server fixtures.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  errorLines,
  PERSON_BROWSER,
  removeHome,
  runCli,
  startCli,
  tempHome,
} from "../cli/helpers.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { rawRequest } from "./raw-http.ts";

/** A program squatting on [::1]:`port` that logs what reaches it. */
function squat(port = 0): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? "");
    res.end("thanks for the code");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "::1", () => {
      resolve({ server, port: (server.address() as AddressInfo).port, seen });
    });
  });
}

const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

/** A port free on both loopback addresses right now. */
async function freePort(): Promise<number> {
  for (;;) {
    const { server, port } = await squat();
    await close(server);
    const v4 = createServer();
    const ok = await new Promise<boolean>((r) => {
      v4.once("error", () => r(false));
      v4.listen(port, "127.0.0.1", () => r(true));
    });
    if (ok) {
      await close(v4);
      return port;
    }
  }
}

describe("attacks: the callback on [::1] for localhost redirect URIs (issue 15, item 10)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let home: string;

  before(async () => {
    as = await startAuthorizationServer();
    mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
    as.allowResource(mcp.url);
    home = await tempHome("mcp-oauth-attacks-ipv6-");
    assert.equal((await runCli(["add", "demo", mcp.url], { home })).code, 0);
  });

  after(async () => {
    await mcp?.close();
    await as?.close();
    await removeHome(home);
  });

  it("a program holding [::1]:N gets no code: the sign-in refuses to start on that port", {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const squatter = await squat(port);
    try {
      const r = await runCli([
        "authorize",
        "demo",
        "--redirect-uri",
        `http://localhost:${port}/callback`,
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "15",
      ], { home });
      assert.deepEqual(squatter.seen, [], "the squatter on [::1] received the callback");
      assert.equal(r.code, 2, r.stderr);
      const { errors } = errorLines(r.stderr);
      assert.equal(errors.length, 1, r.stderr);
      assert.match(
        errors[0]!,
        new RegExp(
          `Cannot listen on 127\\.0\\.0\\.1:${port} \\(\\[::1\\]:${port}, the address a browser tries first for localhost, is held by another program\\); choose another --port`,
        ),
      );
    } finally {
      await close(squatter.server);
    }
  });

  it(
    "--redirect-uri http://127.0.0.2:N/…: mcp-oauth listens on 127.0.0.2, where the browser goes",
    {
      timeout: 60_000,
    },
    async () => {
      const port = await freePort();
      const cli = startCli([
        "authorize",
        "demo",
        "--redirect-uri",
        `http://127.0.0.2:${port}/callback`,
        // A pre-registered client: the test AS takes no such redirect URI in a registration,
        // and none is needed to see who listens there.
        "--client-id",
        "static-127-0-0-2",
        "--browser",
        "none",
        "--timeout",
        "5",
      ], { home });
      try {
        await cli.waitForStderr(/paste the address/);
        const res = await rawRequest(
          port,
          {
            target: "/callback?state=stray&code=stray",
            headers: [["Host", `127.0.0.2:${port}`]],
          },
          10_000,
          "127.0.0.2",
        );
        assert.equal(res.status, 400, res.body);
        assert.match(res.body, /mcp-oauth: Sign-in failed/, "the page is mcp-oauth's own");
      } finally {
        await cli.done;
      }
    },
  );

  for (
    const [what, redirect] of [
      [
        "--redirect-uri http://localhost:N/callback",
        (p: number) => `http://localhost:${p}/callback`,
      ],
      ["--redirect-uri http://[::1]:N/callback", (p: number) => `http://[::1]:${p}/callback`],
      [
        "a relay (forwarding to http://localhost:PORT/callback)",
        () => "https://relay.example.com/cb",
      ],
    ] as const
  ) {
    it(`${what}: mcp-oauth itself answers on [::1] while the sign-in waits`, {
      timeout: 60_000,
    }, async () => {
      const port = await freePort();
      const cli = startCli([
        "authorize",
        "demo",
        "--redirect-uri",
        redirect(port),
        "--browser",
        "none",
        "--timeout",
        "5",
      ], { home });
      try {
        const [, host, listening] = await cli.waitForStderr(
          /it starts with http:\/\/(localhost|\[::1\]):(\d+)\/c/,
        );
        // What a browser sends to http://localhost:PORT over ::1 (fetch() cannot set Host).
        const res = await rawRequest(
          Number(listening),
          {
            target: "/callback?state=stray&code=stray",
            headers: [["Host", `${host}:${listening}`]],
          },
          10_000,
          "::1",
        );
        assert.equal(res.status, 400, res.body);
        assert.match(res.body, /mcp-oauth: Sign-in failed/, "the page is mcp-oauth's own");
      } finally {
        await cli.done;
      }
    });
  }
});
