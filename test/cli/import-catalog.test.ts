/**
 * `mcp-oauth import docker-catalog FILE`: the remote OAuth servers of a Docker MCP catalog (YAML
 * or JSON, a whole catalog or one server.yaml) become servers; everything else is left out.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseYamlSubset } from "../../src/catalog/yaml-subset.ts";
import { configServers, removeHome, runMain, tempHome } from "./helpers.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/docker-catalog.yaml", import.meta.url));

describe("import docker-catalog", () => {
  let home: string;
  const run = (...argv: string[]) => runMain(argv, { home });

  before(async () => {
    home = await tempHome("mcp-oauth-import-catalog-");
  });
  after(() => removeHome(home));

  it("adds the remote OAuth servers of a catalog and leaves out the rest", async () => {
    const r = await run("import", "docker-catalog", FIXTURE);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.err, []);
    assert.equal(
      r.out.join("\n"),
      "Added 3 servers: notion-remote, sentry-remote, demo-remote. Left out 2 entries that are not remote OAuth servers. Next: mcp-oauth authorize notion-remote",
    );
    const servers = await configServers(home);
    assert.deepEqual(
      Object.fromEntries(Object.entries(servers).map(([k, v]) => [k, v.url])),
      {
        "notion-remote": "https://mcp.notion.com/mcp",
        "sentry-remote": "https://mcp.sentry.dev/sse",
        "demo-remote": "https://mcp.demo.example/mcp",
      },
    );
    assert.equal((servers["notion-remote"] as { compat?: string }).compat, undefined);
  });

  it("a second import changes nothing; --compat docker marks them for Docker's layout", async () => {
    const again = await run("import", "docker-catalog", FIXTURE);
    assert.equal(again.code, 0);
    assert.match(
      again.out[0]!,
      /^Added no server\. Already there: notion-remote, sentry-remote, demo-remote\./,
    );
    const compat = await run("import", "docker-catalog", FIXTURE, "--compat", "docker");
    assert.equal(compat.code, 0, compat.err.join("\n"));
    assert.match(compat.out[0]!, /^Added 3 servers/);
    for (const def of Object.values(await configServers(home))) {
      assert.equal((def as { compat?: string }).compat, "docker");
    }
  });

  it("skips a name already used for another URL, with a warning", async () => {
    const other = await tempHome("mcp-oauth-import-catalog-");
    try {
      assert.equal(
        (await runMain(["add", "notion-remote", "https://other.example/mcp"], { home: other }))
          .code,
        0,
      );
      const r = await runMain(["import", "docker-catalog", FIXTURE], { home: other });
      assert.equal(r.code, 0);
      assert.deepEqual(r.err, [
        "warning: skipped notion-remote: that name is already used for https://other.example/mcp.",
      ]);
      assert.match(r.out[0]!, /^Added 2 servers: sentry-remote, demo-remote\./);
      assert.equal((await configServers(other))["notion-remote"]?.url, "https://other.example/mcp");
    } finally {
      await removeHome(other);
    }
  });

  it("reads the same catalog as JSON, and one server.yaml of docker/mcp-registry", async () => {
    const json = join(home, "catalog.json");
    await writeFile(json, JSON.stringify(parseYamlSubset(await readFile(FIXTURE, "utf8"))));
    const other = await tempHome("mcp-oauth-import-catalog-");
    try {
      const r = await runMain(["import", "docker-catalog", json], { home: other });
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.match(r.out[0]!, /^Added 3 servers: notion-remote, sentry-remote, demo-remote\./);
      const single = join(home, "server.yaml");
      await writeFile(
        single,
        `name: linear
type: remote
dynamic:
  tools: true
about:
  title: Linear
remote:
  transport_type: streamable-http
  url: https://mcp.linear.app/mcp
oauth:
  - provider: linear
    secret: linear.personal_access_token
    env: LINEAR_PERSONAL_ACCESS_TOKEN
`,
      );
      const s = await runMain(["import", "docker-catalog", single], { home: other });
      assert.equal(s.code, 0, s.err.join("\n"));
      assert.match(s.out[0]!, /^Added 1 server: linear\. Left out 0 entries/);
      assert.equal((await configServers(other)).linear?.url, "https://mcp.linear.app/mcp");
    } finally {
      await removeHome(other);
    }
  });

  it("usage errors: no FILE, a missing file, not a catalog, unsupported YAML, unknown source", async () => {
    const cases: [string[], RegExp][] = [
      [["import", "docker-catalog"], /"import docker-catalog" needs the catalog FILE/],
      [["import", "docker-catalog", join(home, "nope.yaml")], /cannot read .*nope\.yaml: ENOENT/],
      [
        ["import", "nothing"],
        /cannot import "nothing"; use "import docker" or "import docker-catalog FILE"/,
      ],
      [["import", "docker", "extra"], /unexpected argument "extra" for "import docker"/],
    ];
    const notCatalog = join(home, "not-catalog.yaml");
    await writeFile(notCatalog, "just: text\n");
    cases.push([
      ["import", "docker-catalog", notCatalog],
      /no servers found: expected a Docker MCP catalog/,
    ]);
    const anchors = join(home, "anchors.yaml");
    await writeFile(anchors, "registry:\n  a: &x\n    type: remote\n");
    cases.push([
      ["import", "docker-catalog", anchors],
      /cannot read the catalog: line 2: anchors, aliases and tags are not supported \(convert the file to JSON/,
    ]);
    for (const [argv, pattern] of cases) {
      const r = await run(...argv);
      assert.equal(r.code, 2, argv.join(" "));
      assert.match(r.err.join("\n"), pattern);
    }
  });
});
