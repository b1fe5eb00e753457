/**
 * Print the discovery trace of each URL layout of the spec: requests made and
 * sequential rounds, with and without a fixed per-response delay.
 *
 *   node_modules/.bin/bun scripts/bench/discovery-layouts.ts [delayMs]
 */
import { discover } from "../../src/core/discover.ts";
import { createHttpContext } from "../../src/core/http-context.ts";
import { type LayoutOptions, startLayout } from "../../test/fixtures/layouts.ts";

const delay = Number(process.argv[2] ?? 100);
const layouts: [string, LayoutOptions][] = [
  ["PRM from the 401 header only; issuer without path", { prm: "header" }],
  ["PRM path-inserted; issuer /t1, OpenID path insertion only", {
    prm: "path",
    issuerPath: "/t1",
    metadata: ["oidc-insert"],
  }],
  ["PRM at the root; issuer /t1, RFC 8414 path insertion", {
    prm: "root",
    issuerPath: "/t1",
    metadata: ["oauth-insert"],
  }],
  ["PRM at a custom URL (header); issuer /t1, OpenID appended", {
    prm: "header",
    issuerPath: "/t1",
    metadata: ["oidc-append"],
  }],
  ["PRM path-inserted; issuer without path, RFC 8414", { prm: "path" }],
  ["no PRM (2025-03-26); metadata at the origin", { prm: "none" }],
  ["no PRM, no metadata (default endpoints)", { prm: "none", metadata: [] }],
];

const http = createHttpContext();
console.log(`| layout | requests | rounds | ms at ${delay} ms/response | delay units |`);
console.log("|---|---|---|---|---|");
for (const [name, options] of layouts) {
  const l = await startLayout({ ...options, delayMs: delay });
  const t0 = performance.now();
  const d = await discover(http, l.mcpUrl);
  const ms = performance.now() - t0;
  console.log(
    `| ${name} | ${d.trace.requests} | ${d.trace.rounds} | ${ms.toFixed(0)} | ${
      (ms / delay).toFixed(2)
    } |`,
  );
  await l.close();
}
