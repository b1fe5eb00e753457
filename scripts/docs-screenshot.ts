/**
 * Takes docs/dashboard.png, the README's screenshot: `npm run demo` with two catalog servers
 * added, the demo server signed in through the dashboard (login and consent in the popup tab)
 * and its tools listed with their parameters, in headless Chromium (/usr/bin/chromium, driven by playwright-core).
 *
 *   node_modules/.bin/bun scripts/docs-screenshot.ts [out.png]
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../", import.meta.url));
const out = process.argv[2] ?? join(root, "docs", "dashboard.png");
const home = mkdtempSync(join(tmpdir(), "mcp-oauth-screenshot-"));
const env = {
  ...process.env,
  MCP_OAUTH_HOME: home,
  DEMO_PORT: "7790",
  DEMO_AS_PORT: "9490",
  DEMO_MCP_PORT: "9491",
  DEMO_TOKEN_TTL: "3600",
};
for (const name of ["notion", "linear"]) {
  const r = spawnSync(join(root, "scripts", "mcp-oauth"), ["add", name], { env });
  if (r.status !== 0) throw new Error(`add ${name}: ${r.stderr}`);
}
const demo = spawn("bash", [join(root, "scripts", "demo")], {
  env,
  stdio: ["ignore", "ignore", "pipe"],
});
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
});
try {
  const url = await new Promise<string>((resolve, reject) => {
    let err = "";
    demo.stderr!.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?k=\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    demo.on("close", (code) => reject(new Error(`demo exited ${code}: ${err}`)));
  });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 760 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  await page.goto(url);
  const row = page.locator('tbody[data-server="demo"]');
  const [popup] = await Promise.all([
    context.waitForEvent("page"),
    row.getByRole("button", { name: "Authorize" }).click(),
  ]);
  await popup.locator('input[name="login"]').fill("alice");
  await popup.locator('input[name="password"]').fill("demo");
  await popup.getByRole("button", { name: "Sign-in" }).click();
  await popup.getByRole("button", { name: /^(Continue|Authorize)$/ }).click();
  await row.locator(".status.authorized").waitFor({ timeout: 15_000 });
  await popup.close();
  await row.getByRole("button", { name: "Test" }).click();
  // Test fills the details panel with the tools, their parameters and a call form each.
  await page.locator("#details article.tool").first().waitFor({ timeout: 15_000 });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  demo.kill("SIGTERM");
  rmSync(home, { recursive: true, force: true });
}
