/**
 * Secrets in the browser's command line (issue 15, item 4). A browser's argument vector is
 * readable by every local user (/proc/PID/cmdline, `ps`) for as long as it runs: `serve --open`
 * put the dashboard's key there, `authorize` the state and PKCE challenge (enough for a local
 * attacker to complete the victim's flow with their own account), a device sign-in the user
 * code. Now the browser gets a one-time link to a listener on 127.0.0.1 that forwards it (303)
 * and is dead once used; the authorization URL is still printed to copy, and a stand-in browser
 * that only GETs and follows redirects (scripts/conformance/browser.mjs) still signs in.
 *
 * The "browser" is a script that records its argv (then, for some tests, behaves like
 * browser.mjs); the authorization server approves at once, as the conformance suite's does.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Hono } from "hono";
import { removeHome, ROOT, runCli, startCli, tempHome } from "../cli/helpers.ts";
import { listen, type Listening } from "../helpers/listen.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";
import { type Dashboard, startServe } from "../http/e2e-helpers.ts";

const USER_CODE = "QWER-TYUI";

/** An MCP server and an authorization server that approves every request at once. */
async function autoApprove(): Promise<Listening & { mcp: string }> {
  const app = new Hono();
  let origin = "";
  app.all("/mcp", (c) => {
    c.header(
      "WWW-Authenticate",
      `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
    );
    return c.json({ error: "unauthorized" }, 401);
  });
  app.get(
    "/.well-known/oauth-protected-resource/mcp",
    (c) => c.json({ resource: `${origin}/mcp`, authorization_servers: [origin] }),
  );
  app.get("/.well-known/oauth-authorization-server", (c) =>
    c.json({
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      registration_endpoint: `${origin}/register`,
      device_authorization_endpoint: `${origin}/device`,
      response_types_supported: ["code"],
      grant_types_supported: [
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
      ],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none"],
      authorization_response_iss_parameter_supported: true,
    }));
  app.post("/register", async (c) =>
    c.json({
      ...(await c.req.json()),
      client_id: "argv-client",
      token_endpoint_auth_method: "none",
    }, 201));
  app.get("/authorize", (c) => {
    const q = new URL(c.req.url).searchParams;
    const back = new URL(q.get("redirect_uri")!);
    back.searchParams.set("code", "argv-code-0123456789");
    back.searchParams.set("state", q.get("state")!);
    back.searchParams.set("iss", origin);
    return c.redirect(back.href, 302);
  });
  app.post("/device", (c) =>
    c.json({
      device_code: "argv-device-code-0123456789",
      user_code: USER_CODE,
      verification_uri: `${origin}/activate`,
      verification_uri_complete: `${origin}/activate?user_code=${USER_CODE}`,
      expires_in: 600,
      interval: 1,
    }));
  app.get("/activate", (c) => c.text("approved"));
  app.post("/token", (c) => {
    const token = `argv-at-${crypto.randomUUID()}`;
    recordSecret("access_token", token);
    return c.json({ access_token: token, token_type: "Bearer", expires_in: 3600 });
  });
  const server = await listen(app.fetch);
  origin = server.url;
  return { ...server, mcp: `${origin}/mcp` };
}

describe("attacks: secrets in the browser's command line (issue 15, item 4)", () => {
  let as: Listening & { mcp: string };
  let home: string;
  let recorder: string;
  let serve: Dashboard | undefined;

  before(async () => {
    as = await autoApprove();
    home = await tempHome("mcp-oauth-attacks-argv-");
    // Records its argv as a JSON line; with FOLLOW=1 then GETs the URL following redirects,
    // exactly as scripts/conformance/browser.mjs does.
    recorder = join(home, "record-browser.mjs");
    await writeFile(
      recorder,
      'import { appendFileSync } from "node:fs";\n' +
        "const [log, ...argv] = process.argv.slice(2);\n" +
        "appendFileSync(log, JSON.stringify(argv) + '\\n');\n" +
        "if (process.env.FOLLOW === '1') await (await fetch(argv.at(-1), { redirect: 'follow' })).arrayBuffer();\n",
    );
  });

  after(async () => {
    await serve?.stop();
    await as?.close();
    await removeHome(home);
  });

  async function launches(log: string, atLeast = 1): Promise<string[][]> {
    for (let i = 0; i < 100; i++) {
      const lines = (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean);
      if (lines.length >= atLeast) return lines.map((l) => JSON.parse(l) as string[]);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`the browser was not launched (${log})`);
  }

  /** The printed authorization URL in stderr. */
  const printed = (stderr: string) =>
    /Open this URL to sign in to \S+:\n\n {2}(\S+)/.exec(stderr)?.[1];

  it("authorize: the browser gets a one-time local link, never the state or PKCE challenge; a redirect-following stand-in signs in", async () => {
    const log = join(home, "authorize.jsonl");
    const r = await runCli(
      ["authorize", as.mcp, "--browser", `node ${recorder} ${log}`, "--timeout", "30"],
      { home, env: { FOLLOW: "1" } },
    );
    assert.equal(r.code, 0, r.stderr);
    const url = new URL(printed(r.stderr)!);
    const state = url.searchParams.get("state")!;
    const challenge = url.searchParams.get("code_challenge")!;
    assert.ok(state && challenge, "the authorization URL is still printed to copy");
    const [argv] = await launches(log);
    const cmdline = argv!.join(" ");
    for (const [what, value] of [["state", state], ["code_challenge", challenge]]) {
      assert.ok(!cmdline.includes(value!), `the ${what} is in the browser's argv: ${cmdline}`);
    }
    assert.match(argv!.at(-1)!, /^http:\/\/127\.0\.0\.1:\d+\/open\/[\w-]{43}$/);

    // And the stand-in the conformance runs use, unchanged, completes a sign-in too.
    const again = await runCli([
      "authorize",
      as.mcp,
      "--browser",
      `node ${join(ROOT, "scripts", "conformance", "browser.mjs")}`,
      "--timeout",
      "30",
    ], { home });
    assert.equal(again.code, 0, again.stderr);
  });

  it("authorize: the link works once (303 to the printed URL), then 410 and a warning", async () => {
    const log = join(home, "once.jsonl");
    const cli = startCli(
      ["authorize", as.mcp, "--browser", `node ${recorder} ${log}`, "--timeout", "30"],
      { home },
    );
    try {
      const [, url] = await cli.waitForStderr(/Open this URL to sign in to \S+:\n\n {2}(\S+)/);
      const link = (await launches(log))[0]!.at(-1)!;
      const first = await fetch(link, { redirect: "manual" });
      await first.body?.cancel();
      assert.equal(first.status, 303);
      assert.equal(first.headers.get("location"), url);
      assert.equal(first.headers.get("cache-control"), "no-store");
      const second = await fetch(link, { redirect: "manual" });
      assert.equal(second.status, 410, await second.text());
      await cli.waitForStderr(/warning: the one-time link given to the browser was opened again/);
      // The person who got there first finishes the sign-in.
      await (await fetch(url!, { redirect: "follow" })).arrayBuffer();
    } finally {
      const done = await cli.done;
      assert.equal(done.code, 0, done.stderr);
    }
  });

  it("a device sign-in opens the user code's URL through the link too", async () => {
    const log = join(home, "device.jsonl");
    const r = await runCli(
      ["authorize", as.mcp, "--device", "--browser", `node ${recorder} ${log}`, "--timeout", "30"],
      { home },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(USER_CODE), "the code is printed for the person");
    const [argv] = await launches(log);
    assert.ok(!argv!.join(" ").includes(USER_CODE), `the user code is in argv: ${argv}`);
    assert.match(argv!.at(-1)!, /^http:\/\/127\.0\.0\.1:\d+\/open\//);
  });

  it("serve --open: the browser gets a one-time link to the dashboard, never its key", async () => {
    const log = join(home, "serve.jsonl");
    serve = await startServe(home, 30_000, {
      args: ["--open"],
      env: { BROWSER: `node ${recorder} ${log}` },
    });
    const [argv] = await launches(log);
    const cmdline = argv!.join(" ");
    assert.ok(!cmdline.includes(serve.key), `the dashboard key is in the browser's argv`);
    const link = argv!.at(-1)!;
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/open\/[\w-]{43}$/);
    const first = await fetch(link, { redirect: "manual" });
    await first.body?.cancel();
    assert.equal(first.status, 303);
    assert.equal(first.headers.get("location"), serve.url, "to the printed address");
    const second = await fetch(link, { redirect: "manual" });
    assert.equal(second.status, 410, await second.text());
  });
});
