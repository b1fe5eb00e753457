/**
 * `npm run demo`: a demo authorization server (oidc-provider) and a demo MCP
 * server on loopback, and the dashboard with the demo server already added,
 * in a fresh mcp-oauth home. Ports: DEMO_AS_PORT (9400), DEMO_MCP_PORT (9401),
 * DEMO_PORT (7777, the dashboard).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, processIo } from "../src/cli/main.ts";
import { detectRuntime } from "../src/runtime/detect.ts";
import { ConfigFile } from "../src/store/config-file.ts";
import { startAuthorizationServer } from "../test/fixtures/authorization-server.ts";
import { startMcpServer } from "../test/fixtures/mcp-server.ts";

const asPort = Number(process.env.DEMO_AS_PORT ?? 9400);
const mcpPort = Number(process.env.DEMO_MCP_PORT ?? 9401);
const port = process.env.DEMO_PORT ?? "7777";
const as = await startAuthorizationServer({
  port: asPort,
  accessTokenTTL: Number(process.env.DEMO_TOKEN_TTL ?? 300),
  deviceFlow: true,
});
const mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect, port: mcpPort });
as.allowResource(mcp.url);

const home = process.env.MCP_OAUTH_HOME ?? mkdtempSync(join(tmpdir(), "mcp-oauth-demo-"));
await new ConfigFile(home).put({ name: "demo", url: mcp.url });

console.log(`Demo authorization server: ${as.issuer}  (any login and password)
Demo MCP server:           ${mcp.url}  (already added as "demo")
mcp-oauth home:            ${home}

The same servers from the command line, in another terminal:
  MCP_OAUTH_HOME=${home} ./scripts/mcp-oauth authorize demo
  MCP_OAUTH_HOME=${home} ./scripts/mcp-oauth tools demo
  MCP_OAUTH_HOME=${home} ./scripts/mcp-oauth token demo
`);

const stopFixtures = () => Promise.all([mcp.close(), as.close()]);
const code = await main(
  await detectRuntime(),
  ["serve", "--home", home, "--port", port],
  processIo(),
);
await stopFixtures();
process.exit(code);
