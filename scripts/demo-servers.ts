/**
 * Start the demo authorization server (oidc-provider) and the demo MCP
 * server on loopback, and print how to sign in. Used by `npm run demo`.
 * Ports: DEMO_AS_PORT (default 9400) and DEMO_MCP_PORT (default 9401).
 */
import { startAuthorizationServer } from "../test/fixtures/authorization-server.ts";
import { startMcpServer } from "../test/fixtures/mcp-server.ts";

const asPort = Number(process.env.DEMO_AS_PORT ?? 9400);
const mcpPort = Number(process.env.DEMO_MCP_PORT ?? 9401);
const as = await startAuthorizationServer({
  port: asPort,
  accessTokenTTL: Number(process.env.DEMO_TOKEN_TTL ?? 300),
});
const mcp = await startMcpServer({ issuer: as.issuer, introspect: as.introspect, port: mcpPort });
as.allowResource(mcp.url);

console.log(`Demo authorization server: ${as.issuer}  (any login and password)
Demo MCP server:           ${mcp.url}

Sign in from another terminal (in this folder) with one command:

  ./scripts/mcp-oauth authorize ${mcp.url}

No browser on this machine? Add --browser none, open the printed URL anywhere that reaches
127.0.0.1:${asPort}, and paste back the address you are sent to. Then:

  ./scripts/mcp-oauth ls
  ./scripts/mcp-oauth token ${mcp.url}

Ctrl-C stops the demo.`);

const stop = async () => {
  await Promise.all([mcp.close(), as.close()]);
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
