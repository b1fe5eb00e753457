/**
 * The whole CLI flow with `--store helper:pass`: the real docker-credential-pass over a
 * throwaway GPG key, run as a subprocess on Bun, Deno and Node (whatever runs the tests), with
 * the oidc-provider fixture and the scripted person as the browser. Nothing may reach the
 * home's credentials.json. `--compat docker` puts Docker's entries into pass too, and
 * `import docker` adopts them in another home.
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PERSON_BROWSER, readHomeFile, runCli, tempHome } from "./helpers.ts";
import { decodeSecret as decode, passBench } from "./pass-bench.ts";

const SLOW = { timeout: 180_000 };
const RUNTIMES = ["bun", "deno", "node"] as const;
const STORE = ["--store", "helper:pass"];

describe("CLI with --store helper:pass (real docker-credential-pass) on Bun, Deno and Node", () => {
  const bench = passBench();
  const ready = () => bench.ready();
  /** A home and a password store of its own, and `mcp-oauth` bound to them on `runtime`. */
  const setup = (runtime: (typeof RUNTIMES)[number], storeName: string) =>
    bench.home(`mcp-oauth-pass-${runtime}-`, runtime, storeName);

  for (const runtime of RUNTIMES) {
    it(
      `S20 S23 on ${runtime}: add → authorize → token → refresh → revoke → token exits 3 (re-authorization needed), all in pass`,
      SLOW,
      async () => {
        const p = ready();
        const { home, passEnv, cli } = await setup(runtime, `store-${runtime}`);

        let r = await cli("--version");
        assert.match(
          r.stdout,
          new RegExp(`\\(${runtime} `),
          `the CLI runs on ${runtime}: exit ${r.code}: ${
            r.stderr.split("\n").find((l) => /^\w*Error\b/.test(l)) ?? r.stderr.slice(-300)
          }`,
        );
        r = await cli("add", "demo", bench.mcp.url, ...STORE);
        assert.equal(r.code, 0, r.stderr);
        r = await cli(
          "authorize",
          "demo",
          "--browser",
          PERSON_BROWSER,
          "--timeout",
          "60",
          ...STORE,
        );
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^Authorized demo at ${bench.as.issuer}`));

        const keys = Object.keys(await p.rawList(passEnv));
        assert.ok(
          keys.some((k) => k.endsWith("/.mcp-oauth/client")),
          `DCR client in pass: ${keys}`,
        );
        const tokenKeys = keys.filter((k) => k.includes("/.mcp-oauth/token/"));
        assert.equal(tokenKeys.length, 1, `one token entry in pass: ${keys}`);

        r = await cli("token", "demo", ...STORE);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^\S+\n$/);
        const first = r.stdout.trim();
        assert.equal((await bench.as.introspect(first)).active, true);
        const stored = JSON.parse((await p.rawGet(tokenKeys[0]!, passEnv))!);
        assert.equal(stored.access_token, first, "the token came from pass");

        const refreshes = bench.as.counts.refresh;
        r = await cli("refresh", "demo", ...STORE);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(bench.as.counts.refresh, refreshes + 1);
        r = await cli("token", "demo", ...STORE);
        assert.equal(r.code, 0, r.stderr);
        const second = r.stdout.trim();
        assert.notEqual(second, first);
        assert.equal((await bench.as.introspect(second)).active, true);
        const rotated = JSON.parse((await p.rawGet(tokenKeys[0]!, passEnv))!);
        assert.equal(rotated.access_token, second);
        assert.notEqual(rotated.refresh_token, stored.refresh_token, "S20: rotated and saved");

        r = await cli("ls", ...STORE);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /store: helper:pass;/);
        assert.match(r.stdout, /demo\s+authorized/);
        r = await cli("ls", "--json", ...STORE);
        const ls = JSON.parse(r.stdout);
        assert.equal(ls.store, "helper:pass");
        assert.equal(ls.servers[0].status, "authorized");
        assert.deepEqual(ls.docker, []);

        r = await cli("revoke", "demo", ...STORE);
        assert.equal(r.code, 0, r.stderr);
        assert.equal((await bench.as.introspect(second)).active, false, "S23: revoked at the AS");
        assert.equal(await p.rawGet(tokenKeys[0]!, passEnv), undefined, "and deleted from pass");

        r = await cli("token", "demo", ...STORE);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /re-authorization needed/);

        assert.equal(
          await readHomeFile(home, "credentials.json"),
          undefined,
          "nothing was written to the home's credentials.json",
        );
        const config = await readHomeFile(home, "config.json");
        assert.ok(config && !config.includes(first) && !config.includes(second), "S26");
      },
    );
  }

  it(
    "Storage/docker-compat: authorize --compat docker keeps Docker's two entries in pass through refresh and revoke; import docker adopts them",
    SLOW,
    async () => {
      const p = ready();
      const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : "bun";
      const { passEnv, cli } = await setup(runtime, "store-compat");
      const tokenEntry = `${bench.as.issuer}/auth/demo`;
      const token = async () => {
        const r = await cli("token", "demo", ...STORE);
        assert.equal(r.code, 0, r.stderr);
        return r.stdout.trim();
      };

      let r = await cli("add", "demo", bench.mcp.url, ...STORE);
      assert.equal(r.code, 0, r.stderr);
      r = await cli(
        "authorize",
        "demo",
        "--compat",
        "docker",
        "--browser",
        PERSON_BROWSER,
        "--timeout",
        "60",
        ...STORE,
      );
      assert.equal(r.code, 0, r.stderr);
      const first = await token();

      let list = await p.rawList(passEnv);
      assert.equal(list["https://demo.mcp-dcr"], "dcr_client", JSON.stringify(list));
      assert.equal(list[tokenEntry], "oauth2_demo", JSON.stringify(list));
      const client = decode(await p.rawGet("https://demo.mcp-dcr", passEnv))!;
      assert.equal(client.serverName, "demo");
      assert.equal(client.resourceUrl, bench.mcp.url);
      assert.equal(client.authorizationServer, bench.as.issuer);
      assert.equal(decode(await p.rawGet(tokenEntry, passEnv))!.access_token, first);

      r = await cli("refresh", "demo", ...STORE);
      assert.equal(r.code, 0, r.stderr);
      const second = await token();
      assert.notEqual(second, first);
      assert.equal(
        decode(await p.rawGet(tokenEntry, passEnv))!.access_token,
        second,
        "S20: Docker's token entry follows the refresh",
      );

      r = await cli("revoke", "demo", ...STORE);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await bench.as.introspect(second)).active, false, "S23");
      list = await p.rawList(passEnv);
      assert.equal(list["https://demo.mcp-dcr"], undefined, JSON.stringify(list));
      assert.equal(list[tokenEntry], undefined, JSON.stringify(list));

      // Sign in again (compat docker is remembered); a second home on the same pass store sees the
      // server as authorized by Docker and imports it.
      r = await cli("authorize", "demo", "--browser", PERSON_BROWSER, "--timeout", "60", ...STORE);
      assert.equal(r.code, 0, r.stderr);
      const third = await token();
      assert.equal(decode(await p.rawGet(tokenEntry, passEnv))!.access_token, third);
      const other = await tempHome(`mcp-oauth-pass-import-`);
      bench.cleanUp(other);
      const cli2 = (...args: string[]) =>
        runCli(args, { home: other, env: { ...passEnv, MCP_OAUTH_RUNTIME: runtime } });
      r = await cli2("ls", "--json", ...STORE);
      assert.equal(r.code, 0, r.stderr);
      const ls = JSON.parse(r.stdout);
      assert.deepEqual(ls.servers, []);
      assert.deepEqual(ls.docker.map((d: { name: string; status: string }) => [d.name, d.status]), [
        ["demo", "authorized"],
      ]);
      r = await cli2("import", "docker", ...STORE);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Imported 1 server from Docker: demo\.\n$/);
      r = await cli2("token", "demo", ...STORE);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), third);
      assert.equal(await readHomeFile(other, "credentials.json"), undefined);
    },
  );

  it(
    'Storage: --store docker with credsStore "pass" in $DOCKER_CONFIG/config.json uses pass',
    SLOW,
    async () => {
      const p = ready();
      const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : "bun";
      const { home, passEnv } = await setup(runtime, "store-docker");
      const dockerDir = `${home}-docker`;
      bench.cleanUp(dockerDir);
      await mkdir(dockerDir);
      await writeFile(join(dockerDir, "config.json"), JSON.stringify({ credsStore: "pass" }));
      const env = { ...passEnv, MCP_OAUTH_RUNTIME: runtime, DOCKER_CONFIG: dockerDir };
      let r = await runCli([
        "add",
        "demo",
        bench.mcp.url,
        "--client-id",
        "x",
        "--client-secret",
        "s3cr3t-static",
        "--store",
        "docker",
      ], { home, env });
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(["ls", "--store", "docker"], { home, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /store: docker \(pass\);/);
      const keys = Object.keys(await p.rawList(passEnv));
      assert.ok(keys.some((k) => k.endsWith("/.mcp-oauth/static-client")), keys.join(" "));
      assert.equal(await readHomeFile(home, "credentials.json"), undefined);
    },
  );
});
