/**
 * Enterprise-managed authorization end to end through the CLI (issue 19, item 3; SEP-990): one
 * sign-in to the enterprise IdP (an id_token the platform gave, or the browser), then every
 * server added with `--idp` gets its token silently (RFC 8693 exchange at the IdP for an
 * ID-JAG, RFC 7523 jwt-bearer at the server's AS); an expired IdP session and an IdP that
 * refuses the exchange are one line saying to sign in to the IdP again, and nothing stored is
 * lost. The IdP and the ASes are the Hono fixtures of test/fixtures/enterprise.ts, the MCP
 * servers the SDK fixture.
 *
 * @module
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  type JagAuthorizationServer,
  startIdp,
  startJagAuthorizationServer,
  type TestIdp,
} from "../fixtures/enterprise.ts";
import {
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { idpKey } from "../../src/core/idp/idp-record.ts";
import { SignInMarkers } from "../../src/store/sign-in-marker.ts";
import { listen } from "../helpers/listen.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";
import {
  CLI,
  CLI_RUNTIME,
  type CliResult,
  errorLines,
  PERSON_BROWSER,
  readHomeFile,
  removeHome,
  ROOT,
  runCli,
  startCli,
  storedRecords,
  tempHome,
} from "./helpers.ts";

/** A browser that follows redirects: the IdP's authorization endpoint approves at once. */
const BROWSER = `node ${join(ROOT, "scripts", "conformance", "browser.mjs")}`;

const WIKI_SECRET = "wiki-secret-0b1f2c3d4e5f";
const CRM_SECRET = "crm-secret-9a8b7c6d5e4f";
recordSecret("client secret", WIKI_SECRET);
recordSecret("client secret", CRM_SECRET);

interface Bench {
  idp: TestIdp;
  wikiAs: JagAuthorizationServer;
  crmAs: JagAuthorizationServer;
  wiki: McpTestServer;
  crm: McpTestServer;
}

/** An IdP, two MCP servers each behind its own AS that trusts the IdP. */
async function bench(
  idpOptions: { idTokenTtl?: number; clientSecret?: string } = {},
): Promise<Bench> {
  const clientAt = new Map<string, string>();
  const idp = await startIdp({
    clientIdAt: (aud) => clientAt.get(aud) ?? "unknown",
    ...idpOptions,
  });
  const wikiAs = await startJagAuthorizationServer({
    idp,
    clients: { "wiki-client": WIKI_SECRET },
  });
  const crmAs = await startJagAuthorizationServer({ idp, clients: { "crm-client": CRM_SECRET } });
  clientAt.set(wikiAs.issuer, "wiki-client");
  clientAt.set(crmAs.issuer, "crm-client");
  const wiki = await startMcpServer({ issuer: wikiAs.issuer, introspect: wikiAs.introspect });
  const crm = await startMcpServer({ issuer: crmAs.issuer, introspect: crmAs.introspect });
  return { idp, wikiAs, crmAs, wiki, crm };
}

async function closeBench(b: Bench | undefined): Promise<void> {
  if (!b) return;
  await Promise.all([b.wiki.close(), b.crm.close(), b.wikiAs.close(), b.crmAs.close()]);
  await b.idp.close();
}

/** `idp add corp`, then the two servers with `--idp corp` and their client secrets. */
async function define(home: string, b: Bench, idpSecretFile?: string): Promise<void> {
  const cli = (args: string[], env?: Record<string, string>) => runCli(args, { home, env });
  ok(
    await cli([
      "idp",
      "add",
      "corp",
      b.idp.issuer,
      "--client-id",
      b.idp.clientId,
      ...(idpSecretFile ? ["--client-secret-file", idpSecretFile] : []),
    ]),
  );
  ok(
    await cli(["add", "wiki", b.wiki.url, "--idp", "corp", "--client-id", "wiki-client"], {
      MCP_OAUTH_CLIENT_SECRET: WIKI_SECRET,
    }),
  );
  ok(
    await cli(["add", "crm", b.crm.url, "--idp", "corp", "--client-id", "crm-client"], {
      MCP_OAUTH_CLIENT_SECRET: CRM_SECRET,
    }),
  );
}

/** Import an id_token living `ttl` seconds, as a platform hands one over. */
async function importIdToken(home: string, b: Bench, ttl = 3600): Promise<CliResult> {
  const file = `${home}-id-token`;
  await writeFile(file, `${await b.idp.idToken("pat@corp.example", ttl)}\n`, { mode: 0o600 });
  return await runCli(["idp", "sign-in", "corp", "--id-token-file", file], { home });
}

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.stderr);
  return r;
}

/** The single line a failed command printed (no URL to open, no second error). */
function oneErrorLine(r: CliResult): string {
  const { errors, lines } = errorLines(r.stderr);
  assert.equal(errors.length, 1, r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  return errors[0]!;
}

/**
 * In the enclosing describe: a bench and a home with the IdP and both servers defined (the
 * IdP's client secret, when it has one, from a file), handed to `use`; closed after its tests.
 */
function useBench(
  use: (b: Bench, home: string) => void,
  idpOptions: { idTokenTtl?: number; clientSecret?: string } = {},
): void {
  let b: Bench | undefined;
  let home: string | undefined;
  before(async () => {
    b = await bench(idpOptions);
    home = await tempHome();
    let secretFile: string | undefined;
    if (idpOptions.clientSecret) {
      secretFile = `${home}-idp-secret`;
      await writeFile(secretFile, `${idpOptions.clientSecret}\n`, { mode: 0o600 });
    }
    await define(home, b, secretFile);
    use(b, home);
  });
  after(async () => {
    await closeBench(b);
    if (home) await Promise.all([removeHome(home), removeHome(`${home}-idp-secret`)]);
  });
}

describe("enterprise-managed authorization through the CLI (SEP-990)", () => {
  describe("one IdP sign-in, every server silently", () => {
    let b: Bench;
    let home: string;
    useBench((bench, h) => [b, home] = [bench, h]);

    it("lists the IdP as not signed in, and the servers refuse with the idp sign-in line", async () => {
      const ls = ok(await runCli(["idp", "ls", "--json"], { home }));
      const [corp] = (JSON.parse(ls.stdout) as { idps: Record<string, unknown>[] }).idps;
      assert.equal(corp!.status, "signed-out");
      assert.deepEqual([...(corp!.servers as string[])].sort(), ["crm", "wiki"]);
      const r = await runCli(["tools", "wiki", "--json"], { home });
      assert.notEqual(r.code, 0);
      assert.match(oneErrorLine(r), /identity provider corp .*"mcp-oauth idp sign-in corp"/);
      assert.equal(b.idp.exchanges.length, 0);
    });

    it("after one sign-in, tools and call reach both servers with no browser", async () => {
      ok(await importIdToken(home, b));
      const wiki = ok(await runCli(["tools", "wiki", "--json"], { home }));
      assert.ok((JSON.parse(wiki.stdout) as { tools: unknown[] }).tools.length > 0);
      ok(await runCli(["tools", "crm", "--json"], { home }));
      ok(await runCli(["call", "crm", "echo", "--args", '{"text":"hi"}'], { home }));
      // One exchange per server (the crm call reused crm's token), each for its own AS.
      assert.equal(b.idp.exchanges.length, 2);
      const [first, second] = b.idp.exchanges;
      assert.equal(first!.get("audience"), b.wikiAs.issuer);
      assert.equal(first!.get("resource"), b.wiki.url);
      assert.equal(second!.get("audience"), b.crmAs.issuer);
      assert.equal(second!.get("resource"), b.crm.url);
      assert.deepEqual(b.wikiAs.grants.map((g) => g.clientId), ["wiki-client"]);
      assert.deepEqual(b.crmAs.grants.map((g) => g.clientId), ["crm-client"]);
    });

    it("the stdio bridge: an MCP client that knows no OAuth uses the IdP's servers", async () => {
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([k, v]) =>
          !k.startsWith("MCP_OAUTH_") && v !== undefined
        ),
      ) as Record<string, string>;
      const stderr: string[] = [];
      const transport = new StdioClientTransport({
        command: CLI,
        args: ["stdio", "crm"],
        env: { ...env, MCP_OAUTH_HOME: home, MCP_OAUTH_RUNTIME: CLI_RUNTIME },
        stderr: "pipe",
      });
      transport.stderr?.on("data", (d: Uint8Array) => stderr.push(new TextDecoder().decode(d)));
      const client = new Client({ name: "enterprise-test", version: "0" });
      try {
        await client.connect(transport);
        assert.ok((await client.listTools()).tools.length > 0);
      } finally {
        await client.close();
      }
      assert.doesNotMatch(stderr.join(""), /browser|authorize|sign in/i);
    });

    it("token hands out the stored token, and ls names the IdP as the servers' grant", async () => {
      const t = ok(await runCli(["token", "wiki"], { home }));
      assert.ok(t.stdout.trim().length > 10);
      assert.equal(b.idp.exchanges.length, 2, "no new exchange while the token lives");
      const ls = ok(await runCli(["ls"], { home }));
      assert.match(ls.stdout, /wiki .*enterprise IdP corp/);
      assert.match(ls.stdout, /crm .*enterprise IdP corp/);
    });

    it("keeps every IdP and client secret out of the config file", async () => {
      const config = (await readHomeFile(home, "config.json"))!;
      assert.doesNotMatch(config, /secret-|eyJ/);
      const servers = (JSON.parse(config) as { servers: Record<string, { grant?: unknown }> })
        .servers;
      assert.deepEqual(servers.wiki!.grant, { kind: "id_jag", idp: "corp" });
    });
  });

  describe("an ended IdP session: one line, nothing lost", () => {
    let b: Bench;
    let home: string;
    useBench((bench, h) => [b, home] = [bench, h]);

    it("an id_token that expired without a refresh token says to sign in to the IdP again", async () => {
      // 20 s to live: too close to its expiry to be exchanged.
      ok(await importIdToken(home, b, 20));
      const before = await storedRecords(home);
      const r = await runCli(["tools", "wiki", "--json"], { home });
      assert.equal(r.code, 3);
      assert.match(
        oneErrorLine(r),
        /^mcp-oauth: The session with the identity provider corp has ended \(its id_token expired and there is no refresh token\); run "mcp-oauth idp sign-in corp"\.$/,
      );
      assert.equal(b.idp.exchanges.length, 0);
      assert.deepEqual(await storedRecords(home), before);
    });

    it("an IdP that refuses the exchange says the same, and keeps the session", async () => {
      ok(await importIdToken(home, b));
      b.idp.refuseExchange = true;
      const before = await storedRecords(home);
      const r = await runCli(["tools", "crm", "--json"], { home });
      assert.equal(r.code, 3);
      assert.match(
        oneErrorLine(r),
        /identity provider corp has ended \(it refused to exchange the id_token for crm \(invalid_grant: the session was revoked\)\); run "mcp-oauth idp sign-in corp"\.$/,
      );
      assert.deepEqual(await storedRecords(home), before);
      b.idp.refuseExchange = false;
      ok(await runCli(["tools", "crm", "--json"], { home }));
    });

    it("a wrong id_token file is one line and replaces nothing", async () => {
      const before = await storedRecords(home);
      const file = `${home}-foreign`;
      await writeFile(file, await b.idp.idToken("pat@corp.example", 600, "https://other.example"));
      const r = await runCli(["idp", "sign-in", "corp", "--id-token-file", file], { home });
      assert.equal(r.code, 2);
      assert.match(oneErrorLine(r), /issued by "https:\/\/other\.example", not http:\/\/127/);
      const expired = `${home}-expired`;
      await writeFile(expired, await b.idp.idToken("pat@corp.example", -60));
      const e = await runCli(["idp", "sign-in", "corp", "--id-token-file", expired], { home });
      assert.equal(e.code, 2);
      assert.match(oneErrorLine(e), /The id_token given for corp expired at /);
      assert.deepEqual(await storedRecords(home), before);
    });
  });

  describe("the browser sign-in to the IdP (OIDC, PKCE) and its refresh", () => {
    let b: Bench;
    let home: string;
    // Every id_token is as good as expired at once: each use refreshes it at the IdP.
    useBench((bench, h) => [b, home] = [bench, h], { idTokenTtl: 20 });

    it("signs in with openid offline_access, S256 and a nonce, and keeps a refresh token", async () => {
      const r = ok(
        await runCli(["idp", "sign-in", "corp", "--browser", BROWSER, "--timeout", "30"], {
          home,
        }),
      );
      assert.match(r.stdout, /Signed in to the identity provider corp; .* is refreshed/);
      const [q] = b.idp.authorizations;
      assert.equal(q!.get("scope"), "openid offline_access");
      assert.equal(q!.get("code_challenge_method"), "S256");
      assert.ok(q!.get("nonce"));
      assert.match(q!.get("redirect_uri")!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    });

    it("--browser none: the person opens the URL elsewhere and pastes the redirect", async () => {
      const before = b.idp.authorizations.length;
      const cli = startCli(["idp", "sign-in", "corp", "--browser", "none", "--timeout", "20"], {
        home,
      });
      const [, url] = await cli.waitForStderr(
        /^Open this URL to sign in to the identity provider corp:\n\n {2}(\S+)\n/,
      );
      await cli.waitForStderr(/paste the address your browser was sent to/);
      // The IdP approves at once (an SSO session) and redirects to the loopback address.
      const res = await fetch(url!, { redirect: "manual" });
      await res.body?.cancel();
      cli.writeLine(res.headers.get("location")!);
      const r = await cli.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Signed in to the identity provider corp/);
      assert.equal(b.idp.authorizations.length, before + 1);
    });

    it("one sign-in to an IdP at a time: a second process says who is signing in", async () => {
      const claim = await new SignInMarkers(home).claim(idpKey("corp"), Date.now() + 60_000);
      assert.ok(claim.claimed);
      try {
        const r = await runCli(["idp", "sign-in", "corp", "--browser", BROWSER], { home });
        assert.equal(r.code, 1);
        assert.match(
          oneErrorLine(r),
          new RegExp(
            `Another mcp-oauth process \\(pid ${process.pid}\\) is already signing in to the identity provider corp`,
          ),
        );
      } finally {
        await claim.release();
      }
    });

    it("a --port that is taken is one line", async () => {
      const taken = await listen(() => new Response("busy"));
      try {
        const r = await runCli(
          ["idp", "sign-in", "corp", "--browser", BROWSER, "--port", String(taken.port)],
          { home },
        );
        assert.equal(r.code, 2);
        assert.match(
          oneErrorLine(r),
          new RegExp(
            `Cannot listen on 127\\.0\\.0\\.1:${taken.port} .*; choose another --port\\.$`,
          ),
        );
      } finally {
        await taken.close();
      }
    });

    it("refreshes the expired id_token at the IdP before the exchange", async () => {
      ok(await runCli(["tools", "wiki", "--json"], { home }));
      assert.equal(b.idp.refreshes, 1);
      assert.equal(b.idp.exchanges.length, 1);
    });

    it("an IdP that refuses the refresh says to sign in to it again, keeping its records", async () => {
      b.idp.refuseRefresh = true;
      const before = await storedRecords(home);
      const r = await runCli(["tools", "crm", "--json"], { home });
      assert.equal(r.code, 3);
      assert.match(
        oneErrorLine(r),
        /identity provider corp has ended \(it refused the refresh token: invalid_grant\); run "mcp-oauth idp sign-in corp"\.$/,
      );
      assert.deepEqual(await storedRecords(home), before);
    });
  });

  describe("the browser sign-in against a real OpenID provider (oidc-provider)", () => {
    let op: AuthorizationServer;
    let home: string;
    before(async () => {
      op = await startAuthorizationServer({
        clients: [{
          client_id: "corp-laptop",
          redirect_uris: ["http://127.0.0.1/callback"],
          application_type: "native",
          token_endpoint_auth_method: "none",
        }],
      });
      home = await tempHome();
    });
    after(async () => {
      await op.close();
      await removeHome(home);
    });

    it("stores the id_token of the person who signed in, never printing it", async () => {
      ok(await runCli(["idp", "add", "corp", op.issuer, "--client-id", "corp-laptop"], { home }));
      const r = ok(
        await runCli(
          ["idp", "sign-in", "corp", "--browser", PERSON_BROWSER, "--timeout", "60"],
          { home },
        ),
      );
      assert.match(r.stdout, /^Signed in to the identity provider corp; the id_token expires in/);
      const records = await storedRecords(home);
      const idp = Object.entries(records).find(([k]) => k.includes("/.mcp-oauth/idp/corp"))?.[1] as
        | { id_token?: string; issuer: string }
        | undefined;
      assert.equal(idp?.issuer, op.issuer);
      const claims = JSON.parse(
        atob(idp!.id_token!.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")),
      );
      recordSecret("idp id_token", idp!.id_token);
      assert.equal(claims.sub, "alice");
      assert.equal(claims.aud, "corp-laptop");
      assert.ok(!r.stdout.includes(idp!.id_token!) && !r.stderr.includes(idp!.id_token!));
      const ls = ok(await runCli(["idp", "ls"], { home }));
      assert.match(ls.stdout, /corp +signed in, id_token expires in/);
    });
  });

  describe("a confidential IdP client, and the IdP's lifecycle", () => {
    const IDP_SECRET = "idp-client-secret-5e6f7a8b";
    recordSecret("idp client secret", IDP_SECRET);
    let b: Bench;
    let home: string;
    useBench((bench, h) => [b, home] = [bench, h], { clientSecret: IDP_SECRET });

    it("authenticates at the IdP with the secret from the file, kept out of the config", async () => {
      ok(await importIdToken(home, b));
      ok(await runCli(["tools", "wiki", "--json"], { home }));
      assert.equal(b.idp.exchanges.length, 1);
      assert.doesNotMatch((await readHomeFile(home, "config.json"))!, /idp-client-secret/);
    });

    it("refuses the IdP secret on the command line", async () => {
      const r = await runCli(
        ["idp", "add", "other", b.idp.issuer, "--client-id", "x", "--client-secret", "argv-secret"],
        { home },
      );
      assert.equal(r.code, 2);
      assert.match(oneErrorLine(r), /unknown option --client-secret/);
    });

    it("idp remove forgets it and names the servers that used it; they then say so", async () => {
      const r = ok(await runCli(["idp", "remove", "corp"], { home }));
      assert.match(r.stdout, /Removed the identity provider corp/);
      assert.match(r.stderr, /wiki, crm use corp|crm, wiki use corp/);
      assert.ok(!Object.keys(await storedRecords(home)).some((k) => k.includes("/idp/")));
      const t = await runCli(["tools", "crm", "--json"], { home });
      assert.notEqual(t.code, 0);
      assert.match(
        oneErrorLine(t),
        /No identity provider named "corp"; define it with "mcp-oauth idp add corp/,
      );
      const a = await runCli(
        ["add", "erp", b.wiki.url, "--idp", "corp", "--client-id", "erp-client"],
        { home },
      );
      assert.notEqual(a.code, 0);
      assert.match(oneErrorLine(a), /No identity provider named "corp"/);
      assert.ok(!(await readHomeFile(home, "config.json"))!.includes('"erp"'));
    });
  });
});
