/**
 * The list page is rendered once per change (issue 9), so it must never show a stale state: a
 * write by another process to the credentials or config file, this dashboard's own actions, and
 * a sign-in starting all show on the very next load, within the same second.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import { tokenKey } from "../../src/core/records.ts";
import type { dashboardApp } from "../../src/http/dashboard/app.ts";

import { ConfigFile } from "../../src/store/config-file.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { removeHome } from "../cli/helpers.ts";
import { seedHome, seedToken } from "../helpers/seed.ts";
import { offlineDashboard } from "../helpers/offline-dashboard.ts";

const ORIGIN = "http://127.0.0.1:7777";
const KEY = "cache-test-key";
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

describe("list page cache (issue 9)", () => {
  let home: string;
  let app: ReturnType<typeof dashboardApp>;
  const page = async () => {
    const res = await app.request(`${ORIGIN}/`, {
      headers: { host: "127.0.0.1:7777", "mcp-oauth-key": KEY },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    return await res.text();
  };

  before(async () => {
    const seeded = await seedHome(2, "mcp-oauth-cache-");
    home = seeded.home;
    app = offlineDashboard({
      home,
      store: seeded.store,
      servers: seeded.servers,
      secret: KEY,
      // The clock stands still: only a real change may produce a new page.
      now: () => NOW,
    });
  });
  after(() => removeHome(home));

  it("serves the same page while nothing changes", async () => {
    const first = await page();
    assert.match(first, /server-0/);
    assert.equal(await page(), first);
  });

  it("shows a token another process wrote, and one it erased", async () => {
    const before = await page();
    // Separate store objects: the way another mcp-oauth process reaches the same file.
    const other = new FileStore(home);
    await other.erase(tokenKey("https://as.example.com", "https://mcp1.example.com/mcp"));
    const authorized = (html: string) => html.match(/class="status authorized"/g)?.length ?? 0;
    assert.equal(authorized(before), 2);
    const erased = await page();
    assert.equal(authorized(erased), 1);
    await seedToken(other, {
      issuer: "https://as.example.com",
      url: "https://mcp1.example.com/mcp",
      expires_at: NOW + 3_600_000,
    });
    const again = await page();
    assert.equal(authorized(again), 2);
    assert.match(again, /authorized, expires in 1h 0m/);
  });

  it("shows a server another process added to config.json", async () => {
    assert.doesNotMatch(await page(), /added-elsewhere/);
    await new ConfigFile(home).put({ name: "added-elsewhere", url: "https://x.example.com/mcp" });
    assert.match(await page(), /added-elsewhere/);
  });

  it("shows the dashboard's own messages at once (a failed refresh)", async () => {
    const before = await page();
    const id = btoa("server-0").replace(/=+$/, "");
    const res = await app.request(`${ORIGIN}/s/${id}/refresh`, {
      method: "POST",
      headers: {
        host: "127.0.0.1:7777",
        origin: ORIGIN,
        "mcp-oauth-key": KEY,
      },
    });
    assert.equal(res.status, 200);
    const after = await page();
    // The AS of the seeded servers does not exist: the refresh fails and the row says so.
    assert.notEqual(after, before);
  });
});
