/**
 * The built-in catalog: its data, `add NAME` without a URL (core validation, the CLI, the
 * dashboard's picker and form), and `mcp-oauth catalog`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  builtInCatalog,
  CATALOG,
  catalogEntry,
  catalogEntryForUrl,
} from "../../src/catalog/catalog.ts";
import { createEngine } from "../../src/core/engine.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { SERVER_NAME, validateServerInput } from "../../src/core/server-input.ts";
import { dashboardApp } from "../../src/http/dashboard/app.ts";
import { assets } from "../../src/http/dashboard/assets.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry } from "../../src/store/server-registry.ts";
import { configServers, removeHome, runMain, tempHome } from "../cli/helpers.ts";

describe("the catalog's data", () => {
  it("has unique, valid names and https URLs, each with notes", () => {
    const names = new Set<string>();
    for (const e of CATALOG) {
      assert.match(e.name, SERVER_NAME, e.name);
      assert.equal(e.name, e.name.toLowerCase(), e.name);
      assert.ok(!names.has(e.name), `duplicate ${e.name}`);
      names.add(e.name);
      const u = new URL(e.url);
      assert.equal(u.protocol, "https:", e.name);
      assert.ok(e.title && e.notes.length > 10, e.name);
      assert.ok(["streamable-http", "sse"].includes(e.transport), e.name);
      if (e.transport === "sse") assert.match(e.notes, /SSE/, `${e.name} says it is SSE`);
      if (e.docs) assert.equal(new URL(e.docs).protocol, "https:");
      assert.equal(catalogEntry(e.name), e);
      assert.equal(catalogEntryForUrl(e.url), e);
    }
    for (const name of ["notion", "linear", "sentry", "atlassian", "github", "stripe"]) {
      assert.ok(names.has(name), name);
    }
    assert.deepEqual(names, new Set([...names].sort()), "sorted by name");
  });

  it("knows that GitHub needs a pre-registered client (no DCR)", () => {
    assert.equal(catalogEntry("github")?.registration, "pre-registered");
    assert.equal(catalogEntry("GitHub")?.url, "https://api.githubcopilot.com/mcp/");
    assert.equal(catalogEntryForUrl("https://api.githubcopilot.com/mcp")?.name, "github");
    assert.equal(catalogEntry("nope"), undefined);
  });
});

describe("a server by catalog name", () => {
  const usage = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.USAGE);
      assert.match(err.message, pattern);
      return true;
    });

  it("takes the catalog's URL when none is given", () => {
    assert.deepEqual(validateServerInput({ name: "notion" }, false, builtInCatalog), {
      name: "notion",
      url: "https://mcp.notion.com/mcp",
    });
    assert.equal(
      validateServerInput({ name: "linear", url: "  " }, false, builtInCatalog).url,
      catalogEntry(
        "linear",
      )!.url,
    );
  });

  it("keeps a URL that is given, under any name", () => {
    const def = validateServerInput(
      { name: "notion", url: "https://example.com/mcp" },
      false,
      builtInCatalog,
    );
    assert.equal(def.url, "https://example.com/mcp");
  });

  it("refuses a name outside the catalog without a URL, and GitHub without a client", () => {
    usage(
      () => validateServerInput({ name: "acme" }, false, builtInCatalog),
      /"acme" is not in the built-in catalog; give the server's URL too/,
    );
    usage(
      () => validateServerInput({ name: "github" }, false, builtInCatalog),
      /GitHub needs a client you register yourself: .*--client-id/,
    );
    assert.deepEqual(
      validateServerInput({ name: "github", clientId: "Ov23li" }, false, builtInCatalog),
      {
        name: "github",
        url: "https://api.githubcopilot.com/mcp/",
        clientId: "Ov23li",
      },
    );
  });
});

describe("mcp-oauth add NAME and mcp-oauth catalog", () => {
  let home: string;
  before(async () => {
    home = await tempHome("mcp-oauth-catalog-");
  });
  after(() => removeHome(home));

  it("add notion stores the catalog's URL and prints its notes", async () => {
    const r = await runMain(["add", "notion"], { home });
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.equal(
      r.out[0],
      "Added notion (https://mcp.notion.com/mcp, from the built-in catalog). Next: mcp-oauth authorize notion",
    );
    assert.match(r.out[1]!, /^Note: Pick the workspace/);
    assert.equal((await configServers(home)).notion?.url, "https://mcp.notion.com/mcp");
  });

  it("add github without --client-id is a usage error naming what to do", async () => {
    const r = await runMain(["add", "github"], { home });
    assert.equal(r.code, 2);
    assert.match(r.err.join("\n"), /register an OAuth App/);
    assert.equal((await configServers(home)).github, undefined);
  });

  it("catalog lists every entry; catalog NAME shows one; --json is the data", async () => {
    const list = await runMain(["catalog"], { home });
    assert.equal(list.code, 0);
    for (const e of CATALOG) assert.match(list.out[0]!, new RegExp(`^${e.name} .*${e.url}$`, "m"));
    const one = await runMain(["catalog", "github"], { home });
    assert.equal(one.code, 0);
    assert.match(one.out[0]!, /registration: pre-registered/);
    assert.match(one.out[0]!, /Add it: mcp-oauth add github --client-id ID --client-secret SECRET/);
    const json = await runMain(["catalog", "--json"], { home });
    assert.deepEqual(JSON.parse(json.out[0]!), { servers: CATALOG });
    const bad = await runMain(["catalog", "acme"], { home });
    assert.equal(bad.code, 2);
  });
});

describe("the dashboard's picker", () => {
  const ORIGIN = "http://127.0.0.1:7777";
  const servers = new MemoryRegistry();
  const app = dashboardApp({
    engine: createEngine({ store: new MemoryStore(), servers, catalog: builtInCatalog }),
    origin: ORIGIN,
    hosts: ["127.0.0.1:7777"],
    secret: "k-0123456789",
    home: "/tmp/home",
    assets,
    listTools: () => Promise.resolve([]),
  });
  const headers = { host: "127.0.0.1:7777", "mcp-oauth-key": "k-0123456789" };

  it("offers the catalog's names in a datalist on the name field; the URL may stay blank", async () => {
    const res = await app.request(`${ORIGIN}/`, { headers });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<input name="name"[^>]* list="catalog"/);
    assert.doesNotMatch(html, /<input name="url"[^>]* required/);
    const datalist = /<datalist id="catalog">([\s\S]*?)<\/datalist>/.exec(html)?.[1] ?? "";
    for (const e of CATALOG) assert.ok(datalist.includes(`<option value="${e.name}">`), e.name);
    assert.doesNotMatch(html, /<script>/, "no inline script");
  });

  it("adding a catalog name with a blank URL stores the catalog's URL", async () => {
    const res = await app.request(`${ORIGIN}/servers`, {
      method: "POST",
      headers: {
        ...headers,
        origin: ORIGIN,
        "content-type": "application/x-www-form-urlencoded",
        "hx-request": "true",
      },
      body: new URLSearchParams({ name: "sentry", url: "" }).toString(),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(await res.text(), /https:\/\/mcp\.sentry\.dev\/mcp/);
    assert.equal((await servers.get("sentry"))?.url, "https://mcp.sentry.dev/mcp");
  });

  it("a blank URL for an unknown name is shown as the form's error", async () => {
    const res = await app.request(`${ORIGIN}/servers`, {
      method: "POST",
      headers: {
        ...headers,
        origin: ORIGIN,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ name: "acme", url: "" }).toString(),
    });
    assert.equal(res.status, 422);
    assert.match(
      await res.text(),
      /&quot;acme&quot; is not in the built-in catalog|"acme" is not in/,
    );
  });
});
