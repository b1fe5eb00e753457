/**
 * The real flow, end to end, through the CLI as a subprocess: a real authorization server
 * (oidc-provider), a real MCP server (the official SDK), the scripted person as the browser,
 * and the official SDK client using the token the CLI prints.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readFile } from "node:fs/promises";
// The SDK's `exports` map types "./*" to "*.d.ts", so "x.js" finds no types in Deno: point at them.
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import {
  type CliRecord,
  errorLines,
  modeOf,
  PERSON_BROWSER,
  readHomeFile,
  removeHome,
  runCli,
  sleep,
  storedToken,
  tempHome,
} from "./helpers.ts";

const TTL_S = 4;
const SLOW = { timeout: 30_000 };

/** Calls the MCP server with the official SDK client and a bearer token (S19). */
async function useMcp(url: string, token: string): Promise<{ tools: string[]; echo: string }> {
  const client = new Client({ name: "mcp-oauth-cli-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    const result = await client.callTool({ name: "echo", arguments: { text: "hello" } });
    const content = result.content as { type: string; text?: string }[];
    return { tools: tools.map((t) => t.name), echo: content[0]?.text ?? "" };
  } finally {
    await client.close();
  }
}

/** One line of PERSON_LOG. */
interface BrowserOpen {
  authorizationUrl: string;
  openedUrl: string | null;
  callbackUrl: string | null;
  callbackStatus: number | null;
  error?: string;
}

/** The contents of `path` once it exists and is non-empty (at most ~5 s). */
async function waitForFile(path: string): Promise<string> {
  for (let i = 0;; i++) {
    const text = await readFile(path, "utf8").catch(() => "");
    if (text.endsWith("\n") || i >= 100) return text;
    await sleep(50);
  }
}

describe("CLI end to end: add, authorize, token, refresh, revoke", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let home: string;
  let personLog: string;
  const transcript: CliRecord[] = [];
  /** Every access and refresh token seen in the store or printed by `token`. */
  const accessTokens: string[] = [];
  const refreshTokens: string[] = [];
  /** Authorization codes the person saw in the callback URL (S26: never in output either). */
  const codes: string[] = [];
  let authorizedAt = 0;
  /** PERSON_LOG of `authorize`, once the person is done. */
  let browserLog: Promise<string> | undefined;
  let printedUrl: string | undefined;

  const cli = (...args: string[]) => runCli(args, { home, transcript });
  const cliEnv = (env: Record<string, string>, ...args: string[]) =>
    runCli(args, { home, env, transcript });

  /** Remember the stored tokens (for the secret scan) and return them. */
  async function snapshotTokens() {
    const t = await storedToken(home);
    assert.ok(t, "a token record is stored");
    if (!accessTokens.includes(t.access_token)) accessTokens.push(t.access_token);
    if (t.refresh_token && !refreshTokens.includes(t.refresh_token)) {
      refreshTokens.push(t.refresh_token);
    }
    return t;
  }

  /** `token demo`, asserting it prints exactly the token on one line and nothing else. */
  async function token(): Promise<string> {
    const r = await cli("token", "demo");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\S+\n$/, "only the token, on one line");
    assert.equal(r.stderr, "");
    const value = r.stdout.trim();
    if (!accessTokens.includes(value)) accessTokens.push(value);
    return value;
  }

  async function lsJson() {
    const r = await cli("ls", "--json");
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as {
      store: string;
      servers: {
        name: string;
        url: string;
        issuer: string | null;
        status: string;
        expiresAt: string | null;
        scopes: string[];
        refreshable: boolean;
      }[];
    };
  }

  before(async () => {
    home = await tempHome();
    personLog = `${home}-person.jsonl`;
    as = await startAuthorizationServer({ accessTokenTTL: TTL_S });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
    as.allowResource(mcp.url);
  }, SLOW);

  after(async () => {
    await mcp?.close();
    await as?.close();
    await removeHome(home);
    await removeHome(personLog);
  });

  it("add demo <url> defines the server", async () => {
    const r = await cli("add", "demo", mcp.url);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Added demo \(.*\)\. Next: mcp-oauth authorize demo\n$/);
    assert.equal(r.stderr, "");
    assert.equal((await lsJson()).servers[0]?.status, "needs-authorization");
  });

  it(
    "S9 S10 S12 S13 S14 S17 S18: authorize registers a client, sends PKCE S256, resource and scopes, and completes through the loopback callback",
    SLOW,
    async () => {
      const r = await cliEnv(
        { PERSON_LOG: personLog },
        "authorize",
        "demo",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "60",
      );
      authorizedAt = Date.now();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Authorized demo at ${as.issuer}`));
      assert.match(r.stdout, /mcp:read/);
      assert.equal(as.counts.registration, 1, "one dynamic client registration (S9, S10)");
      assert.equal(as.counts.authorizationCode, 1, "one code exchanged");

      // The URL is printed on stderr (the browser log is checked below, once the person is done).
      const printed = /^Open this URL to sign in to demo:\n\n {2}(\S+)\n/.exec(r.stderr)?.[1];
      assert.ok(printed, r.stderr);
      printedUrl = printed;
      browserLog = waitForFile(personLog);
      const auth = new URL(printed);
      const q = auth.searchParams;
      assert.ok(auth.href.startsWith(as.issuer), "the AS's authorization endpoint");
      assert.equal(q.get("response_type"), "code");
      assert.equal(q.get("code_challenge_method"), "S256", "S12");
      assert.match(q.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/, "S12");
      assert.equal(q.get("resource"), mcp.url, "S13: the MCP server's canonical URL");
      assert.deepEqual(
        (q.get("scope") ?? "").split(" ").sort(),
        ["mcp:read", "mcp:write", "offline_access"],
        "S14: PRM scopes_supported plus offline_access, nothing invented",
      );
      assert.match(q.get("state") ?? "", /^.{16,}$/, "S15: a random state");
      const redirect = new URL(q.get("redirect_uri") ?? "");
      assert.equal(redirect.protocol, "http:");
      assert.equal(redirect.hostname, "127.0.0.1", "S17: loopback redirect");
      assert.equal(redirect.pathname, "/callback");

      // The tokens are stored (the secret scan below looks for them in all output).
      const stored = await snapshotTokens();
      assert.ok(stored.refresh_token, "offline_access gave a refresh token");
    },
  );

  it("ls --json shows demo authorized with its scopes and expiry", async () => {
    const { store, servers } = await lsJson();
    assert.equal(store, "file");
    assert.equal(servers.length, 1);
    const s = servers[0]!;
    assert.equal(s.name, "demo");
    assert.equal(s.url, mcp.url);
    assert.equal(s.issuer, as.issuer);
    assert.equal(s.status, "authorized");
    assert.ok(s.scopes.includes("mcp:read") && s.scopes.includes("mcp:write"), s.scopes.join());
    assert.equal(s.refreshable, true);
    const expires = Date.parse(s.expiresAt ?? "");
    assert.ok(expires > Date.now() && expires <= Date.now() + TTL_S * 1000, s.expiresAt ?? "");
  });

  it("S19: token prints only the access token, and the official MCP SDK client works with it", async () => {
    const t = await token();
    assert.equal(t, (await storedToken(home))?.access_token);
    const { tools, echo } = await useMcp(mcp.url, t);
    assert.ok(tools.includes("echo"), tools.join());
    assert.equal(echo, "hello");
  });

  it("S20: a second token right away is the same one and the AS saw no refresh", async () => {
    const first = accessTokens[0]!;
    assert.equal(await token(), first);
    assert.equal(as.counts.refresh, 0);
    assert.ok(Date.now() - authorizedAt < (TTL_S * 1000 * 3) / 4, "still before refresh-ahead");
  });

  it(
    "S17 S18: the browser command got a one-time local link to the printed URL as its last argument and was shown the callback page (200)",
    SLOW,
    async () => {
      // The person logs after the callback answered, so possibly after the CLI exited.
      const opens = (await browserLog!).trim().split("\n").map((l) => JSON.parse(l) as BrowserOpen);
      assert.equal(opens.length, 1, "the browser was launched once");
      const open = opens[0]!;
      // The code the AS sent back, for the secret scan, when the person got that far.
      const code = open.callbackUrl && new URL(open.callbackUrl).searchParams.get("code");
      if (code) codes.push(code);
      assert.equal(open.authorizationUrl, printedUrl, "the link led to the printed URL");
      // The printed URL (state, PKCE challenge) is not in the browser's command line (issue 15).
      assert.match(open.openedUrl ?? "", /^http:\/\/127\.0\.0\.1:\d+\/open\/[\w-]{43}$/);
      assert.equal(open.error, undefined, "the callback answered the browser");
      assert.equal(open.callbackStatus, 200, "the success page");
      const callback = new URL(open.callbackUrl!);
      const redirect = new URL(new URL(open.authorizationUrl).searchParams.get("redirect_uri")!);
      assert.equal(callback.origin + callback.pathname, redirect.href);
      assert.equal(callback.searchParams.get("iss"), as.issuer, "S16: RFC 9207 iss");
    },
  );

  it(
    "S20: after expiry token refreshes once, the access token changes and the refresh token rotates",
    SLOW,
    async () => {
      // obtained_at is before authorizedAt, so this is past expires_at.
      await sleep(Math.max(0, authorizedAt + TTL_S * 1000 + 300 - Date.now()));
      const before = await storedToken(home);
      const t = await token();
      assert.notEqual(t, accessTokens[0]);
      assert.equal(as.counts.refresh, 1, "exactly one refresh");
      const after = await snapshotTokens();
      assert.equal(after.access_token, t);
      assert.ok(after.refresh_token);
      assert.notEqual(after.refresh_token, before?.refresh_token, "the refresh token rotated");
      assert.equal(await token(), t, "the refreshed token is reused");
      assert.equal(as.counts.refresh, 1);
      assert.equal((await lsJson()).servers[0]?.status, "authorized");
    },
  );

  it("S19: the refreshed token works against the MCP server", async () => {
    const { tools, echo } = await useMcp(mcp.url, accessTokens.at(-1)!);
    assert.ok(tools.includes("echo"));
    assert.equal(echo, "hello");
  });

  it("S20: refresh demo refreshes now and rotates again", async () => {
    const before = await storedToken(home);
    const r = await cli("refresh", "demo");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Refreshed demo; the new token expires in \d+s\.\n$/);
    assert.equal(as.counts.refresh, 2);
    const after = await snapshotTokens();
    assert.notEqual(after.access_token, before?.access_token);
    assert.notEqual(after.refresh_token, before?.refresh_token);
    assert.equal(await token(), after.access_token);
    assert.equal((await as.introspect(after.access_token)).active, true);
  });

  it("token --json prints the documented shape", async () => {
    const r = await cli("token", "demo", "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(j).sort(), ["access_token", "expires_at", "scope", "token_type"]);
    assert.equal(j.access_token, accessTokens.at(-1));
    assert.match(String(j.token_type), /^bearer$/i);
    assert.ok(Date.parse(String(j.expires_at)) > Date.now());
    assert.match(String(j.scope), /mcp:read/);
  });

  it("S23: revoke demo revokes at the AS and deletes locally", async () => {
    const last = await storedToken(home);
    assert.ok(last?.refresh_token);
    const revocationsBefore = as.counts.revocation;
    const r = await cli("revoke", "demo");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "demo: revoked.\n");
    assert.equal(r.stderr, "");
    assert.equal(as.counts.revocation - revocationsBefore, 2, "refresh token, then access token");
    assert.equal((await as.introspect(last.access_token)).active, false);
    assert.equal((await as.introspect(last.refresh_token)).active, false);
    assert.equal(await storedToken(home), undefined, "nothing stored locally");
  });

  it("S21: after revoke, token exits 3 with one line saying re-authorization needed", async () => {
    const r = await cli("token", "demo");
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^mcp-oauth: [^\n]*re-authorization needed[^\n]*\n$/);
  });

  it("ls shows demo needs authorization again", async () => {
    const s = (await lsJson()).servers[0]!;
    assert.equal(s.status, "needs-authorization");
    assert.equal(s.refreshable, false);
    assert.equal(s.expiresAt, null);
    const r = await cli("ls");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^demo\s+needs authorization\s/m);
  });

  it("the credentials file is mode 0600 and holds no token after revoke; the config never does", async () => {
    assert.equal(await modeOf(home, "credentials.json"), 0o600);
    const creds = await readHomeFile(home, "credentials.json");
    const config = await readHomeFile(home, "config.json");
    assert.ok(creds !== undefined && config !== undefined);
    assert.ok(accessTokens.length >= 3 && refreshTokens.length >= 3, "tokens were collected");
    for (const secret of [...accessTokens, ...refreshTokens]) {
      assert.ok(!creds.includes(secret), "no token left in credentials.json");
      assert.ok(!config.includes(secret), "no token in config.json");
    }
  });

  it("S26: no command output contains a token or code, except token's own stdout", () => {
    assert.ok(transcript.length >= 15, `${transcript.length} commands ran`);
    const secrets = [...accessTokens, ...refreshTokens, ...codes];
    for (const rec of transcript) {
      const isToken = rec.args[0] === "token";
      const texts = isToken ? [rec.stderr] : [rec.stdout, rec.stderr];
      for (const text of texts) {
        for (const s of secrets) {
          assert.ok(!text.includes(s), `"mcp-oauth ${rec.args.join(" ")}" printed a secret`);
        }
      }
      if (isToken && rec.code === 0 && !rec.args.includes("--json")) {
        assert.ok(accessTokens.includes(rec.stdout.trim()), "token printed an access token");
        assert.ok(!refreshTokens.some((rt) => rec.stdout.includes(rt)));
      }
    }
    // Every command that failed said so in exactly one "mcp-oauth: " line.
    for (const rec of transcript.filter((r) => r.code !== 0)) {
      assert.equal(errorLines(rec.stderr).errors.length, 1, rec.stderr);
    }
  });
});
