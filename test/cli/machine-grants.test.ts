/**
 * Machine grants end to end through the CLI (issue 19, items 1 and 2): a server added with
 * `--grant client-credentials` (client_secret_basic; private_key_jwt with ES256 and RS256 keys)
 * or `--grant jwt-bearer` (a workload JWT from a file or a variable) gets its token with no
 * browser, `token` renews it once it expired, `ls` names the grant, `revoke` still works. Bad
 * input (a malformed PEM, an algorithm the key cannot sign with, an expired or wrong-audience
 * assertion) is one line and loses nothing stored. The client credentials AS is oidc-provider
 * (test/fixtures/authorization-server.ts), the workload AS a small Hono fixture
 * (test/fixtures/workload-as.ts), the MCP server the SDK fixture.
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
  type AuthorizationServer,
  startAuthorizationServer,
} from "../fixtures/authorization-server.ts";
import { type McpTestServer, startMcpServer } from "../fixtures/mcp-server.ts";
import { startWorkloadAs, type WorkloadAs } from "../fixtures/workload-as.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";
import {
  CLI,
  CLI_RUNTIME,
  type CliResult,
  errorLines,
  readHomeFile,
  removeHome,
  runCli,
  runMain,
  sleep,
  snapshotHome,
  storedRecords,
  tempHome,
} from "./helpers.ts";

const SECRET = "ci-bot-secret-5f4e3d2c1b0a";
recordSecret("client secret", SECRET);

/** A PKCS#8 PEM private key and its public JWK, for private_key_jwt. */
async function keyPair(
  alg: "ES256" | "RS256",
  kid: string,
): Promise<{ pem: string; jwk: JsonWebKey }> {
  const params = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  };
  const pair = await crypto.subtle.generateKey(params, true, ["sign", "verify"]) as CryptoKeyPair;
  const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const b64 = btoa(String.fromCharCode(...der)).replace(/(.{64})/g, "$1\n").trim();
  const pem = `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
  recordSecret("private key", pem);
  recordSecret("private key (base64)", b64.replace(/\n/g, ""));
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { pem, jwk: { ...jwk, kid, alg, use: "sig" } as JsonWebKey };
}

/** One mcp-oauth error line on stderr, and nothing else there. */
function oneErrorLine(r: CliResult): string {
  const { errors, lines } = errorLines(r.stderr);
  assert.equal(errors.length, 1, r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  return errors[0]!;
}

describe("client credentials (oidc-provider)", () => {
  let as: AuthorizationServer;
  let mcp: McpTestServer;
  let ec: { pem: string; jwk: JsonWebKey };
  let rsa: { pem: string; jwk: JsonWebKey };
  const homes: string[] = [];
  const home = async () => {
    const h = await tempHome("mcp-oauth-grants-");
    homes.push(h);
    return h;
  };

  before(async () => {
    ec = await keyPair("ES256", "ec-1");
    rsa = await keyPair("RS256", "rsa-1");
    as = await startAuthorizationServer({
      clientCredentials: true,
      accessTokenTTL: 3,
      tokenEndpointAuthMethods: [
        "none",
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
      ],
      clients: [
        {
          client_id: "ci-bot",
          client_secret: SECRET,
          token_endpoint_auth_method: "client_secret_basic",
          grant_types: ["client_credentials"],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: "ci-ec",
          token_endpoint_auth_method: "private_key_jwt",
          jwks: { keys: [ec.jwk] },
          grant_types: ["client_credentials"],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: "ci-rsa",
          token_endpoint_auth_method: "private_key_jwt",
          jwks: { keys: [rsa.jwk] },
          grant_types: ["client_credentials"],
          response_types: [],
          redirect_uris: [],
        },
      ],
    });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
  });
  after(async () => {
    await mcp?.close();
    await as?.close();
    for (const h of homes) await removeHome(h);
  });

  it("client_secret_basic: add, token, tools, renewal after expiry, ls, revoke; no browser", async () => {
    const h = await home();
    const env = { MCP_OAUTH_CLIENT_SECRET: SECRET };
    const added = await runCli(
      ["add", "ci", mcp.url, "--grant", "client-credentials", "--client-id", "ci-bot"],
      { home: h, env },
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /client credentials \(client_secret_basic\)/);
    assert.doesNotMatch(added.stdout + added.stderr, new RegExp(SECRET));

    const before = as.counts.clientCredentials;
    const first = await runCli(["token", "ci"], { home: h });
    assert.equal(first.code, 0, first.stderr);
    const token1 = first.stdout.trim();
    assert.ok(token1.length > 10);
    assert.equal(as.counts.clientCredentials, before + 1);
    assert.equal((await as.introspect(token1)).active, true);

    // Still valid: the same token, no new grant.
    const again = await runCli(["token", "ci"], { home: h });
    assert.equal(again.stdout.trim(), token1);
    assert.equal(as.counts.clientCredentials, before + 1);

    // tools: no --browser given, none needed.
    const tools = await runCli(["tools", "ci", "--json"], { home: h });
    assert.equal(tools.code, 0, tools.stderr);
    assert.ok(Array.isArray(JSON.parse(tools.stdout).tools));

    const ls = await runCli(["ls"], { home: h });
    assert.match(ls.stdout, /^NAME +STATUS +ISSUER/);
    assert.match(ls.stdout, /ci +authorized.*client credentials \(client_secret_basic\)/);
    const lsJson = JSON.parse((await runCli(["ls", "--json"], { home: h })).stdout);
    assert.equal(lsJson.servers[0].grant, "client credentials (client_secret_basic)");

    // discover says which grants and client authentications the AS lists.
    const discovered = await runCli(["discover", "ci"], { home: h });
    assert.equal(discovered.code, 0, discovered.stderr);
    assert.match(discovered.stdout, /^grants +.*client_credentials/m);
    assert.match(discovered.stdout, /^client auth +.*client_secret_basic.*private_key_jwt/m);
    const discoveredJson = JSON.parse(
      (await runCli(["discover", "ci", "--json"], { home: h })).stdout,
    );
    assert.ok(discoveredJson.grantTypes.includes("client_credentials"));

    // Expired (3 s lifetime) and no refresh token: `token` runs the grant again.
    await sleep(3200);
    const expired = await runCli(["ls"], { home: h });
    assert.match(expired.stdout, /renewed on use/);
    const second = await runCli(["token", "ci"], { home: h });
    assert.equal(second.code, 0, second.stderr);
    assert.notEqual(second.stdout.trim(), token1);
    assert.equal(as.counts.clientCredentials, before + 2);

    // The secret is in the credential store only, never in config.json.
    const records = JSON.stringify(await storedRecords(h));
    assert.match(records, new RegExp(SECRET));
    const config = await readHomeFile(h, "config.json") ?? "";
    assert.doesNotMatch(config, new RegExp(SECRET));
    assert.match(config, /"client_credentials"/);

    const revoked = await runCli(["revoke", "ci"], { home: h });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await as.introspect(second.stdout.trim())).active, false);
  });

  it("a token the MCP server refuses (revoked at the AS) is replaced through the grant, not a browser", async () => {
    const h = await home();
    const added = await runCli(
      ["add", "ci", mcp.url, "--grant", "client-credentials", "--client-id", "ci-bot"],
      { home: h, env: { MCP_OAUTH_CLIENT_SECRET: SECRET } },
    );
    assert.equal(added.code, 0, added.stderr);
    const first = (await runCli(["token", "ci"], { home: h })).stdout.trim();
    // Revoked behind mcp-oauth's back: still valid by its expiry, refused by the server (401).
    const { clientId, clientSecret } = as.rsClient;
    const res = await fetch(`${as.issuer}/token/revocation`, {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ token: first }),
    });
    assert.equal(res.status, 200);
    assert.equal((await as.introspect(first)).active, false);
    const before = as.counts.clientCredentials;
    const tools = await runCli(["tools", "ci", "--json"], { home: h });
    assert.equal(tools.code, 0, tools.stderr);
    assert.equal(as.counts.clientCredentials, before + 1);
    const now = (await runCli(["token", "ci"], { home: h })).stdout.trim();
    assert.notEqual(now, first);
  });

  it("the stdio bridge: an MCP client that knows no OAuth lists tools before and after expiry, no browser", async () => {
    const h = await home();
    const added = await runCli(
      ["add", "ci", mcp.url, "--grant", "client-credentials", "--client-id", "ci-bot"],
      { home: h, env: { MCP_OAUTH_CLIENT_SECRET: SECRET } },
    );
    assert.equal(added.code, 0, added.stderr);
    const stderr: string[] = [];
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k, v]) =>
        !k.startsWith("MCP_OAUTH_") && v !== undefined
      ),
    ) as Record<string, string>;
    const transport = new StdioClientTransport({
      command: CLI,
      args: ["stdio", "ci"],
      env: { ...env, MCP_OAUTH_HOME: h, MCP_OAUTH_RUNTIME: CLI_RUNTIME },
      stderr: "pipe",
    });
    transport.stderr?.on("data", (d: Uint8Array) => stderr.push(new TextDecoder().decode(d)));
    const client = new Client({ name: "grant-test", version: "0" });
    try {
      await client.connect(transport);
      const before = as.counts.clientCredentials;
      assert.ok((await client.listTools()).tools.length > 0);
      await sleep(3200);
      assert.ok((await client.listTools()).tools.length > 0);
      assert.ok(as.counts.clientCredentials > before, "a new token after expiry");
    } finally {
      await client.close();
    }
    assert.doesNotMatch(stderr.join(""), /browser|authorize/i);
  });

  for (
    const [name, alg, how] of [["ci-ec", "ES256", "file"], ["ci-rsa", "RS256", "env"]] as const
  ) {
    it(`private_key_jwt ${alg} (key from ${how}): token, renewal after expiry`, async () => {
      const h = await home();
      const key = alg === "ES256" ? ec : rsa;
      const keyFile = join(h, "key.pem");
      await writeFile(keyFile, key.pem, { mode: 0o600 });
      const args = ["add", "svc", mcp.url, "--grant", "client-credentials", "--client-id", name];
      const added = how === "file"
        ? await runCli([...args, "--private-key-file", keyFile, "--signing-alg", alg], { home: h })
        : await runCli(args, { home: h, env: { MCP_OAUTH_PRIVATE_KEY: key.pem } });
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /client credentials \(private_key_jwt\)/);
      const config = await readHomeFile(h, "config.json") ?? "";
      assert.match(config, new RegExp(`"alg": "${alg}"`));
      assert.doesNotMatch(config, /PRIVATE KEY/);

      const first = await runCli(["token", "svc"], { home: h });
      assert.equal(first.code, 0, first.stderr);
      assert.equal((await as.introspect(first.stdout.trim())).client_id, name);
      await sleep(3200);
      const second = await runCli(["token", "svc", "--json"], { home: h });
      assert.equal(second.code, 0, second.stderr);
      const set = JSON.parse(second.stdout);
      assert.notEqual(set.access_token, first.stdout.trim());
      assert.equal(set.token_type.toLowerCase(), "bearer");
      const ls = await runCli(["ls"], { home: h });
      assert.match(ls.stdout, /client credentials \(private_key_jwt\)/);

      // authorize runs the grant (no browser); revoke authenticates with the key (RFC 7009).
      const authorized = await runCli(["authorize", "svc"], { home: h });
      assert.equal(authorized.code, 0, authorized.stderr);
      const token = JSON.parse((await runCli(["token", "svc", "--json"], { home: h })).stdout);
      assert.notEqual(token.access_token, set.access_token);
      const revoked = await runCli(["revoke", "svc"], { home: h });
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.doesNotMatch(revoked.stderr, /fail/i);
      assert.equal((await as.introspect(token.access_token)).active, false);
    });
  }

  it("--private-key-file - reads the key from stdin; the key is stored, never in config.json", async () => {
    const h = await home();
    const lines = ec.pem.trimEnd().split("\n");
    const r = await runMain(
      [
        "add",
        "svc",
        mcp.url,
        "--grant",
        "client-credentials",
        "--client-id",
        "ci-ec",
        "--private-key-file",
        "-",
      ],
      {
        home: h,
        stdinLines: async function* () {
          yield* lines;
        },
      },
    );
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.match(await readHomeFile(h, "config.json") ?? "", /"alg": "ES256"/);
    const stored = Object.values(await storedRecords(h)) as { private_key?: string }[];
    assert.equal(stored.find((x) => x.private_key)?.private_key?.trim(), ec.pem.trim());
    const t = await runCli(["token", "svc"], { home: h });
    assert.equal(t.code, 0, t.stderr);
  });

  it("grant options that do not fit: one usage line each, nothing stored", async () => {
    const h = await home();
    const cases: [string[], RegExp][] = [
      [
        ["--grant", "client-credentials", "--client-id", "x"],
        /needs the client's secret or private key/,
      ],
      [["--grant", "client-credentials"], /needs the client id/],
      [["--grant", "password", "--client-id", "x"], /--grant is client-credentials or jwt-bearer/],
      [
        ["--grant", "jwt-bearer", "--client-id", "x"],
        /needs one of --assertion-file PATH or --assertion-env VAR/,
      ],
      [
        ["--grant", "jwt-bearer", "--client-id", "x", "--assertion-env", "1BAD"],
        /not an environment variable name/,
      ],
      [["--assertion-file", "/tmp/x"], /goes with --grant jwt-bearer/],
      [[
        "--grant",
        "client-credentials",
        "--client-id",
        "x",
        "--private-key-file",
        join(h, "none.pem"),
      ], /cannot be read/],
    ];
    for (const [extra, message] of cases) {
      const r = await runCli(["add", "svc", mcp.url, ...extra], { home: h });
      assert.equal(r.code, 2, `${extra.join(" ")}: ${r.stderr}`);
      assert.match(oneErrorLine(r), message);
    }
    assert.equal(await readHomeFile(h, "config.json"), undefined);
    // A secret and a key for one client: which authentication was meant is asked, not guessed.
    const both = await runCli(
      ["add", "svc", mcp.url, "--grant", "client-credentials", "--client-id", "x"],
      { home: h, env: { MCP_OAUTH_CLIENT_SECRET: SECRET, MCP_OAUTH_PRIVATE_KEY: ec.pem } },
    );
    assert.equal(both.code, 2, both.stderr);
    assert.match(oneErrorLine(both), /Both a client secret and a private key were given/);
    assert.equal(await readHomeFile(h, "config.json"), undefined);
  });

  it("a malformed PEM or an algorithm the key cannot sign with: one line, nothing stored changed", async () => {
    const h = await home();
    const env = { MCP_OAUTH_CLIENT_SECRET: SECRET };
    const ok = await runCli(
      ["add", "svc", mcp.url, "--grant", "client-credentials", "--client-id", "ci-bot"],
      { home: h, env },
    );
    assert.equal(ok.code, 0, ok.stderr);
    const stored = await snapshotHome(h);

    const bad = join(h, "bad.pem");
    const torn = ec.pem.slice(0, 120) + "!!!" + ec.pem.slice(140);
    await writeFile(bad, torn, { mode: 0o600 });
    const malformed = await runCli(
      [
        "add",
        "svc",
        mcp.url,
        "--grant",
        "client-credentials",
        "--client-id",
        "ci-ec",
        "--private-key-file",
        bad,
      ],
      { home: h },
    );
    assert.equal(malformed.code, 2);
    assert.match(oneErrorLine(malformed), /private key is (a )?malformed/i);

    const rsaFile = join(h, "rsa.pem");
    await writeFile(rsaFile, rsa.pem, { mode: 0o600 });
    const mismatch = await runCli(
      [
        "add",
        "svc",
        mcp.url,
        "--grant",
        "client-credentials",
        "--client-id",
        "ci-rsa",
        "--private-key-file",
        rsaFile,
        "--signing-alg",
        "ES256",
      ],
      { home: h },
    );
    assert.equal(mismatch.code, 2);
    assert.match(oneErrorLine(mismatch), /cannot sign with ES256/);

    const pkcs1 = join(h, "pkcs1.pem");
    await writeFile(
      pkcs1,
      "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
    );
    const wrongPem = await runCli(
      [
        "add",
        "svc",
        mcp.url,
        "--grant",
        "client-credentials",
        "--client-id",
        "ci-rsa",
        "--private-key-file",
        pkcs1,
      ],
      { home: h },
    );
    assert.equal(wrongPem.code, 2);
    assert.match(oneErrorLine(wrongPem), /not a PKCS#8.*openssl pkcs8/);

    const now = await snapshotHome(h);
    for (const file of ["config.json", "credentials.json"]) assert.equal(now[file], stored[file]);
    for (const r of [malformed, mismatch, wrongPem]) {
      assert.doesNotMatch(r.stdout + r.stderr, /BEGIN PRIVATE KEY|MII/);
    }
  });
});

describe("workload identity federation (jwt-bearer)", () => {
  let as: WorkloadAs;
  let mcp: McpTestServer;
  const homes: string[] = [];
  const home = async () => {
    const h = await tempHome("mcp-oauth-wif-");
    homes.push(h);
    return h;
  };
  before(async () => {
    as = await startWorkloadAs({ accessTokenTtl: 2 });
    mcp = await startMcpServer({ issuer: as.issuer, introspect: (t) => as.introspect(t) });
  });
  after(async () => {
    await mcp?.close();
    await as?.close();
    for (const h of homes) await removeHome(h);
  });
  const add = (h: string, source: string[], env?: Record<string, string>) =>
    runCli(
      ["add", "wl", mcp.url, "--grant", "jwt-bearer", "--client-id", as.clientId, ...source],
      { home: h, env },
    );

  it("the assertion file is re-read at every token request; tools work with no browser", async () => {
    const h = await home();
    const file = join(h, "token.jwt");
    await writeFile(file, await as.mint());
    const added = await add(h, ["--assertion-file", file]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /workload JWT/);
    const start = as.requests.length;
    const tools = await runCli(["tools", "wl", "--json"], { home: h });
    assert.equal(tools.code, 0, tools.stderr);
    assert.deepEqual(as.requests.slice(start).map((r) => r.answer), ["token"]);
    assert.equal(as.requests.at(-1)!.clientId, as.clientId);
    const ls = await runCli(["ls"], { home: h });
    assert.match(ls.stdout, /wl +authorized.*workload JWT/);

    // The platform rotates the file; the expired access token is renewed with the new one.
    const rotated = await as.mint({ sub: "rotated" });
    await writeFile(file, rotated);
    await sleep(2200);
    const t = await runCli(["token", "wl"], { home: h });
    assert.equal(t.code, 0, t.stderr);
    assert.equal((await as.introspect(t.stdout.trim())).sub, "rotated");
    // The assertion itself is never stored.
    assert.doesNotMatch(await readHomeFile(h, "config.json") ?? "", /eyJ/);
    assert.doesNotMatch(JSON.stringify(await storedRecords(h)), new RegExp(rotated.slice(-20)));
  });

  it("--assertion-env: the variable is read when a token is needed", async () => {
    const h = await home();
    const added = await add(h, ["--assertion-env", "CI_MCP_TOKEN"]);
    assert.equal(added.code, 0, added.stderr);
    const t = await runCli(["token", "wl"], { home: h, env: { CI_MCP_TOKEN: await as.mint() } });
    assert.equal(t.code, 0, t.stderr);
    assert.equal((await as.introspect(t.stdout.trim())).active, true);
    const unset = await runCli(["token", "--json", "wl"], { home: h });
    // The token is still valid: no assertion needed.
    assert.equal(unset.code, 0, unset.stderr);
  });

  it("an expired assertion: one line saying when, nothing sent, the server kept", async () => {
    const h = await home();
    const file = join(h, "token.jwt");
    await writeFile(file, await as.mint({ expIn: -120 }));
    assert.equal((await add(h, ["--assertion-file", file])).code, 0);
    const start = as.requests.length;
    const r = await runCli(["token", "wl"], { home: h });
    assert.equal(r.code, 1);
    const line = oneErrorLine(r);
    assert.match(
      line,
      /workload JWT in the assertion file .*token\.jwt expired at \d{4}-\d\d-\d\dT/,
    );
    assert.equal(as.requests.length, start);
    const ls = await runCli(["ls", "--json"], { home: h });
    assert.equal(JSON.parse(ls.stdout).servers[0].name, "wl");
  });

  it("a wrong-audience assertion: the AS's invalid_grant is one line naming the source, one attempt", async () => {
    const h = await home();
    assert.equal((await add(h, ["--assertion-env", "CI_MCP_TOKEN"])).code, 0);
    const start = as.requests.length;
    const r = await runCli(["tools", "wl"], {
      home: h,
      env: { CI_MCP_TOKEN: await as.mint({ aud: "https://wrong.example" }) },
    });
    assert.equal(r.code, 1);
    const line = oneErrorLine(r);
    assert.match(
      line,
      /refused the workload JWT in the assertion variable CI_MCP_TOKEN \(invalid_grant/,
    );
    assert.match(line, /audience/);
    // One attempt: no retry, no other grant.
    assert.deepEqual(as.requests.slice(start).map((x) => x.answer), ["invalid_grant: aud"]);
    const ls = await runCli(["ls", "--json"], { home: h });
    assert.equal(JSON.parse(ls.stdout).servers[0].name, "wl");
  });
});
