/**
 * Added cost of the MCP proxy: tools/call through `serve`'s /mcp/<name>
 * (a separate process, as in real use) versus straight to the fixture server
 * with the token, interleaved; then calls per second each way with 8
 * concurrent clients for a fixed time.
 *
 *   node_modules/.bin/bun scripts/bench/proxy.ts [calls] [seconds]
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startAuthorizationServer } from "../../test/fixtures/authorization-server.ts";
import { startMcpServer } from "../../test/fixtures/mcp-server.ts";

const calls = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 5);
const root = new URL("../../", import.meta.url).pathname;
const as = await startAuthorizationServer({ accessTokenTTL: 3600 });
const mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect });
as.allowResource(mcp.url);
const home = mkdtempSync(join(tmpdir(), "mcp-oauth-bench-proxy-"));
const env = { ...process.env, MCP_OAUTH_HOME: home, MCP_OAUTH_RUNTIME: "bun" };
const cli = (...args: string[]) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(`${root}scripts/mcp-oauth`, args, { env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on(
      "close",
      (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${args[0]} exited ${code}`))),
    );
  });
await cli("add", "demo", mcp.url);
await cli("authorize", "demo", "--browser", `node ${root}test/helpers/person.mjs`);
const token = await cli("token", "demo");
const key = await cli("proxy-key");
const serve = spawn(`${root}scripts/mcp-oauth`, ["serve", "--port", "0"], { env });
const origin = await new Promise<string>((resolve) => {
  let err = "";
  serve.stderr.on("data", (d) => {
    err += d;
    const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?k=/.exec(err);
    if (m) resolve(m[1]!);
  });
});

async function client(url: string, auth: string) {
  const c = new Client({ name: "bench", version: "0" });
  await c.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${auth}` } },
    }),
  );
  return c;
}
const direct = await client(mcp.url, token);
const proxied = await client(`${origin}/mcp/demo`, key);
const call = (c: Client) => c.callTool({ name: "echo", arguments: { text: "x" } });
for (let i = 0; i < 20; i++) await Promise.all([call(direct), call(proxied)]);

const t: Record<"direct" | "proxy", number[]> = { direct: [], proxy: [] };
for (let i = 0; i < calls; i++) {
  for (const [name, c] of [["direct", direct], ["proxy", proxied]] as const) {
    const t0 = performance.now();
    await call(c);
    t[name].push(performance.now() - t0);
  }
}
async function throughput(url: string, auth: string): Promise<number> {
  const clients = await Promise.all(Array.from({ length: 8 }, () => client(url, auth)));
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(clients.map(async (c) => {
    while (performance.now() < end) {
      await call(c);
      n++;
    }
  }));
  await Promise.all(clients.map((c) => c.close()));
  return n / seconds;
}
const rpsDirect = await throughput(mcp.url, token);
const rpsProxy = await throughput(`${origin}/mcp/demo`, key);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`| tools/call (echo) | median ms | p90 ms | calls/s (8 clients, ${seconds}s) |`);
console.log("|---|---|---|---|");
for (const [name, rps] of [["direct", rpsDirect], ["proxy", rpsProxy]] as const) {
  const xs = [...t[name]].sort((a, b) => a - b);
  console.log(
    `| ${name} | ${med(xs).toFixed(2)} | ${xs[Math.floor(xs.length * 0.9)]!.toFixed(2)} | ${
      rps.toFixed(0)
    } |`,
  );
}
console.log(
  `added median latency: ${
    (med(t.proxy) - med(t.direct)).toFixed(2)
  } ms; throughput ratio proxy/direct: ${(rpsProxy / rpsDirect).toFixed(2)}`,
);
await direct.close();
await proxied.close();
serve.kill("SIGTERM");
await mcp.close();
await as.close();
process.exit(0);
