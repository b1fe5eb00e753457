/**
 * DPoP (RFC 9449, issue 19 item 4) end to end through the CLI as a subprocess: oidc-provider
 * with DPoP on, the SDK MCP server fixture checking every proof against the token's `cnf.jkt`,
 * the scripted person as the browser. Sign-in, `tools` and `call` with proofs, a refresh with a
 * proof, server and AS nonces, `token` refusing to print a bound token, `ls` saying DPoP, the
 * proxy and the stdio bridge adding proofs for SDK clients that know nothing of DPoP, and
 * `add --dpop` refused by an AS without DPoP.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import process from "node:process";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ProxyKeyFile } from "../../src/store/proxy-key.ts";
import { ecThumbprint } from "../fixtures/dpop-check.ts";
import { recordSecret } from "../helpers/secret-ledger.ts";
import { startServe } from "../http/e2e-helpers.ts";
import {
  browserOpens,
  CLI,
  CLI_RUNTIME,
  type CliRecord,
  errorLines,
  PERSON_BROWSER,
  storedRecords,
  useServers,
} from "./helpers.ts";

const SLOW = { timeout: 60_000 };

interface StoredToken {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  dpop_jkt?: string;
}
interface StoredKey {
  kind: string;
  alg: string;
  jkt: string;
  jwk: Record<string, string>;
}

/** The token record and the DPoP key record of the home's only server. */
async function stored(home: string): Promise<{ token?: StoredToken; key?: StoredKey }> {
  const records = await storedRecords(home);
  const find = (part: string) => Object.entries(records).find(([k]) => k.includes(part))?.[1];
  const key = find("/.mcp-oauth/dpop-key/") as StoredKey | undefined;
  // The private key is a secret: the run's scan must not find it in any output.
  if (key) recordSecret("dpop_private_key", key.jwk.d);
  return { token: find("/.mcp-oauth/token/") as StoredToken | undefined, key };
}

/** No output of the transcript holds the DPoP private key or the stored tokens. */
async function assertNothingLeaked(home: string, transcript: CliRecord[]): Promise<void> {
  const { token, key } = await stored(home);
  const secrets = [key?.jwk.d, token?.access_token, token?.refresh_token].filter(
    (s): s is string => !!s,
  );
  assert.ok(secrets.length >= 2);
  for (const r of transcript) {
    for (const s of secrets) {
      assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `${r.args.join(" ")} leaked`);
    }
  }
}

/** An official SDK client: lists the tools and echoes `text`. */
async function useWith(client: Client, text: string): Promise<{ tools: string[]; echo: string }> {
  try {
    const { tools } = await client.listTools();
    const r = await client.callTool({ name: "echo", arguments: { text } });
    return {
      tools: tools.map((t) => t.name).sort(),
      echo: (r.content as { text: string }[])[0]!.text,
    };
  } finally {
    await client.close();
  }
}

describe("DPoP through the CLI (RFC 9449)", () => {
  const s = useServers({ dpop: true, accessTokenTTL: 3600 }, { dpop: {} });

  it(
    "signs in with a proof at the code exchange, then calls the server with a fresh proof each time",
    SLOW,
    async () => {
      const tools = await s.cli(["tools", "demo", "--json", "--browser", PERSON_BROWSER]);
      assert.equal(tools.code, 0, tools.stderr);
      assert.deepEqual(
        (JSON.parse(tools.stdout).tools as { name: string }[]).map((t) => t.name).sort(),
        ["add", "echo", "whoami"],
      );
      const call = await s.cli(["call", "demo", "echo", "--args", '{"text":"bound"}']);
      assert.equal(call.code, 0, call.stderr);
      assert.match(call.stdout, /bound/);

      const { token, key } = await stored(s.home);
      assert.equal(token?.token_type, "DPoP");
      assert.equal(key?.kind, "dpop-key");
      assert.equal(key?.alg, "ES256", "ES256 is preferred among the AS's algorithms");
      assert.equal(token?.dpop_jkt, key?.jkt);
      // The AS bound the token to the stored key (RFC 9449 §6): its cnf.jkt is the key's thumbprint.
      const info = await s.as.introspect(token!.access_token);
      assert.equal((info.cnf as { jkt: string }).jkt, key!.jkt);
      assert.equal(await ecThumbprint(key!.jwk), key!.jkt);
      assert.equal(s.mcp.dpop.refused, 0, String(s.mcp.dpop.firstError));
      assert.ok(s.mcp.dpop.proofs >= 4, `proofs: ${s.mcp.dpop.proofs}`);
      assert.equal(s.mcp.dpop.jtis.size, s.mcp.dpop.proofs, "a new jti for every request");
      assert.equal(s.mcp.dpop.last?.htu, s.mcp.url);
      assert.match(
        String(s.mcp.dpop.last?.htm),
        /^(GET|POST)$/,
        "htm is checked against each request",
      );
      assert.equal(s.as.counts.authorizationCode, 1);
    },
  );

  it("token refuses to print a DPoP-bound token, in one line pointing to the proxy and the stdio bridge", async () => {
    for (const args of [["token", "demo"], ["token", "demo", "--json"]]) {
      const r = await s.cli(args);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.deepEqual(errorLines(r.stderr).lines, [
        `mcp-oauth: demo's token is DPoP-bound to a key held by mcp-oauth and is useless without its proofs, so it is not printed; connect through "mcp-oauth serve" (http://127.0.0.1:<port>/mcp/demo) or "mcp-oauth stdio demo", which add the proofs, or add it again with --no-dpop for Bearer tokens.`,
      ]);
    }
  });

  it("discover names the AS's DPoP algorithms and the one tokens are bound with", async () => {
    const r = await s.cli(["discover", "demo"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^DPoP +ES256, Ed25519, EdDSA: tokens bound with ES256$/m);
    const json = JSON.parse((await s.cli(["discover", "demo", "--json"])).stdout);
    assert.deepEqual(json.dpopSigningAlgs, ["ES256", "Ed25519", "EdDSA"]);
    assert.equal(json.dpop, "ES256");
  });

  it("ls shows the server as DPoP-bound", async () => {
    const r = await s.cli(["ls"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /demo\s+authorized \(DPoP\), expires/);
    const json = JSON.parse((await s.cli(["ls", "--json"])).stdout);
    assert.equal(json.servers[0].dpop, true);
  });

  it(
    "refreshes with a proof of the same key, and the new token is bound to it too",
    SLOW,
    async () => {
      const before = await stored(s.home);
      const refreshes = s.as.counts.refresh;
      const r = await s.cli(["refresh", "demo"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(s.as.counts.refresh, refreshes + 1);
      const after = await stored(s.home);
      assert.notEqual(after.token?.access_token, before.token?.access_token);
      assert.equal(after.token?.token_type, "DPoP");
      assert.equal(after.key?.jkt, before.key?.jkt, "the key is kept");
      const info = await s.as.introspect(after.token!.access_token);
      assert.equal((info.cnf as { jkt: string }).jkt, before.key!.jkt);
      const call = await s.cli(["call", "demo", "add", "--args", '{"a":2,"b":3}']);
      assert.equal(call.code, 0, call.stderr);
      assert.match(call.stdout, /5/);
      assert.equal(s.mcp.dpop.refused, 0, String(s.mcp.dpop.firstError));
    },
  );

  it("the proxy adds the proofs for an SDK client that knows nothing of DPoP", SLOW, async () => {
    const serve = await startServe(s.home);
    try {
      const proofs = s.mcp.dpop.proofs;
      const key = await new ProxyKeyFile(s.home).get();
      const client = new Client({ name: "plain-client", version: "0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${serve.origin}/mcp/demo`), {
          requestInit: { headers: { Authorization: `Bearer ${key}` } },
        }),
      );
      const used = await useWith(client, "through the proxy");
      assert.deepEqual(used, {
        tools: ["add", "echo", "whoami"],
        echo: "through the proxy",
      });
      assert.ok(s.mcp.dpop.proofs >= proofs + 3);
      assert.equal(s.mcp.dpop.refused, 0, String(s.mcp.dpop.firstError));
    } finally {
      await serve.stop();
    }
  });

  it("the stdio bridge adds the proofs too", SLOW, async () => {
    const proofs = s.mcp.dpop.proofs;
    const client = new Client({ name: "stdio-client", version: "0" });
    await client.connect(
      new StdioClientTransport({
        command: CLI,
        args: ["stdio", "demo", "--browser", "none"],
        env: {
          ...process.env as Record<string, string>,
          MCP_OAUTH_HOME: s.home,
          MCP_OAUTH_RUNTIME: CLI_RUNTIME,
        },
        stderr: "pipe",
      }),
    );
    const used = await useWith(client, "through stdio");
    assert.equal(used.echo, "through stdio");
    assert.ok(s.mcp.dpop.proofs >= proofs + 3);
    assert.equal(s.mcp.dpop.refused, 0, String(s.mcp.dpop.firstError));
  });

  it("no output showed the DPoP private key or a token", async () => {
    await assertNothingLeaked(s.home, s.transcript);
  });

  it("revoke revokes the bound tokens at the AS and forgets the key with them", async () => {
    const { token } = await stored(s.home);
    const r = await s.cli(["revoke", "demo"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await s.as.introspect(token!.access_token)).active, false);
    assert.deepEqual(await stored(s.home), { token: undefined, key: undefined });
  });
});

describe("DPoP and Docker's gateway (compat docker)", () => {
  const d = useServers({ dpop: true }, { dpop: {} }, { add: false });

  it(
    "a server shared with Docker's gateway keeps its bound tokens from it, saying why",
    SLOW,
    async () => {
      const add = await d.cli(["add", "shared", d.mcp.url, "--compat", "docker"]);
      assert.equal(add.code, 0, add.stderr);
      const r = await d.cli([
        "authorize",
        "shared",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "60",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /^warning: shared's tokens are DPoP-bound to a key only mcp-oauth holds, so they were not shared with Docker's gateway, which could not use them\.$/m,
      );
      // Docker's entries are keyed by the server's name (…/shared); none was written.
      const keys = Object.keys(await storedRecords(d.home));
      assert.ok(!keys.some((k) => /shared/.test(k)), keys.join(" "));
    },
  );
});

describe("add --no-dpop: Bearer tokens from an AS that offers DPoP", () => {
  const n = useServers({ dpop: true }, {}, { add: false });

  it("signs in without a proof, and token prints the Bearer token for a script", SLOW, async () => {
    assert.equal((await n.cli(["add", "plain", n.mcp.url, "--no-dpop"])).code, 0);
    const discover = await n.cli(["discover", "plain"]);
    assert.match(discover.stdout, /^DPoP +.*: not used \(--no-dpop\), Bearer tokens$/m);
    const r = await n.cli(["authorize", "plain", "--browser", PERSON_BROWSER, "--timeout", "60"]);
    assert.equal(r.code, 0, r.stderr);
    const { token, key } = await stored(n.home);
    assert.equal(token?.token_type.toLowerCase(), "bearer");
    assert.equal(key, undefined, "no DPoP key was made");
    const printed = await n.cli(["token", "plain"]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout.trim(), token!.access_token);
    assert.equal((await n.as.introspect(token!.access_token)).cnf, undefined, "not bound");
    const both = await n.cli(["add", "x", n.mcp.url, "--dpop", "--no-dpop"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give --dpop or --no-dpop, not both/);
  });
});

describe("DPoP nonces of the AS and of the MCP server (RFC 9449 §8, §9)", () => {
  const s = useServers({ dpop: "nonce" }, { dpop: { nonce: "rs-nonce-1" } });

  it(
    "retries the code exchange, the refresh and each first MCP request once with the nonce",
    SLOW,
    async () => {
      let asNonces = 0;
      s.as.provider.on("grant.error", (_ctx: unknown, err: { error?: string }) => {
        if (err.error === "use_dpop_nonce") asNonces++;
      });
      const tools = await s.cli(["tools", "demo", "--json", "--browser", PERSON_BROWSER]);
      assert.equal(tools.code, 0, tools.stderr);
      assert.equal(s.as.counts.authorizationCode, 1);
      assert.equal(asNonces, 1, "the code exchange was answered use_dpop_nonce once");
      assert.ok(s.mcp.dpop.nonceChallenges >= 1);
      assert.equal(s.mcp.dpop.refused, 0, String(s.mcp.dpop.firstError));
      assert.equal(s.mcp.dpop.last?.nonce, "rs-nonce-1");

      const refresh = await s.cli(["refresh", "demo"]);
      assert.equal(refresh.code, 0, refresh.stderr);
      assert.equal(s.as.counts.refresh, 1);
      assert.equal(asNonces, 2, "a new process learns the AS's nonce from one use_dpop_nonce");
      assert.equal((await stored(s.home)).token?.token_type, "DPoP");
      await assertNothingLeaked(s.home, s.transcript);
    },
  );
});

describe("add --dpop with an AS that has no DPoP", () => {
  const s = useServers({}, {}, { add: false });

  it("the sign-in fails in one line before any browser opens, and nothing is stored", async () => {
    const add = await s.cli(["add", "strict", s.mcp.url, "--dpop"]);
    assert.equal(add.code, 0, add.stderr);
    const r = await s.cli(["tools", "strict", "--browser", PERSON_BROWSER]);
    assert.equal(r.code, 1);
    assert.deepEqual(errorLines(r.stderr).errors, [
      `mcp-oauth: strict was added with DPoP, but ${s.as.issuer} does not support DPoP (its metadata has no dpop_signing_alg_values_supported); add it again without --dpop ("mcp-oauth add strict <url>"), or ask the provider to enable DPoP.`,
    ]);
    assert.equal((await browserOpens(s.personLog)).length, 0);
    assert.equal((await stored(s.home)).token, undefined);
  });
});

describe("DPoP with the device grant (RFC 8628, RFC 9449 §5)", () => {
  const s = useServers({ dpop: "nonce", deviceFlow: true }, { dpop: {} });

  it(
    "each poll carries a proof, the AS nonce is learnt from one answer, the token is bound",
    SLOW,
    async () => {
      const r = await s.cli([
        "authorize",
        "demo",
        "--device",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "25",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(s.as.counts.deviceCode, 1);
      const { token, key } = await stored(s.home);
      assert.equal(token?.token_type, "DPoP");
      const info = await s.as.introspect(token!.access_token);
      assert.equal((info.cnf as { jkt: string }).jkt, key!.jkt);
      const call = await s.cli(["call", "demo", "echo", "--args", '{"text":"device"}']);
      assert.equal(call.code, 0, call.stderr);
      assert.match(call.stdout, /device/);
      assert.equal(s.mcp.dpop.refused, 0, String(s.mcp.dpop.firstError));
      await assertNothingLeaked(s.home, s.transcript);
    },
  );
});

describe("DPoP with a machine grant (client credentials, RFC 9449 §5, §8)", () => {
  const SECRET = "dpop-ci-secret-7a6b5c4d3e2f";
  recordSecret("client secret", SECRET);
  const s = useServers(
    {
      dpop: "nonce",
      clientCredentials: true,
      clients: [{
        client_id: "ci-bot",
        client_secret: SECRET,
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      }],
    },
    { dpop: { nonce: "rs-nonce-2" } },
    { add: false },
  );

  it(
    "the grant request carries a proof (retried once with the AS's nonce) and the token is bound",
    SLOW,
    async () => {
      const add = await s.cli(
        ["add", "ci", s.mcp.url, "--grant", "client-credentials", "--client-id", "ci-bot"],
        { MCP_OAUTH_CLIENT_SECRET: SECRET },
      );
      assert.equal(add.code, 0, add.stderr);
      const tools = await s.cli(["tools", "ci", "--json"]);
      assert.equal(tools.code, 0, tools.stderr);
      assert.ok(Array.isArray(JSON.parse(tools.stdout).tools));
      const { token, key } = await stored(s.home);
      assert.equal(token?.token_type, "DPoP");
      const info = await s.as.introspect(token!.access_token);
      assert.equal((info.cnf as { jkt: string }).jkt, key!.jkt);
      assert.ok(s.mcp.dpop.nonceChallenges >= 1);
      assert.equal(s.mcp.dpop.refused, 0, String(s.mcp.dpop.firstError));
      const refused = await s.cli(["token", "ci"]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^mcp-oauth: ci's token is DPoP-bound/);
      await assertNothingLeaked(s.home, s.transcript);
    },
  );
});

describe("a server that knows nothing of DPoP behind an AS that binds tokens (RFC 9449 §7.2)", () => {
  const s = useServers({ dpop: true }, {});

  it(
    "after one Bearer-only 401 the token goes as a bearer token, once per process",
    SLOW,
    async () => {
      const tools = await s.cli(["tools", "demo", "--json", "--browser", PERSON_BROWSER]);
      assert.equal(tools.code, 0, tools.stderr);
      assert.equal((await stored(s.home)).token?.token_type, "DPoP", "the AS bound it");
      // The unauthenticated probe, then the one DPoP request the server did not understand.
      assert.equal(s.mcp.rejected, 2);
      const call = await s.cli(["call", "demo", "echo", "--args", '{"text":"plain"}']);
      assert.equal(call.code, 0, call.stderr);
      assert.match(call.stdout, /plain/);
      assert.equal(s.mcp.rejected, 3, "a new process tries DPoP once");
      assert.equal(s.as.counts.authorizationCode, 1, "no new sign-in");
      assert.equal(s.as.counts.refresh, 0, "no refresh either");
    },
  );
});
