/**
 * The writer process of sigkill-store.test.ts: `sigkill-writer.ts HOME SEED [LIMIT]` writes,
 * forever (or LIMIT times), through the real FileStore and ConfigFile of HOME: token and client
 * records of random sizes, erasures, server definitions and their removal. It prints `ready`
 * once loaded, starts writing when a line arrives on stdin, then prints `s` when a write starts
 * and `w` when it is done, so the test knows where its SIGKILL landed.
 *
 * Every record carries a check (`filler` of `check` "x"s) so a reader can tell a whole record
 * from a torn one.
 *
 * @module
 */
import process from "node:process";
import { setTimeout } from "node:timers";
import { clientKey, tokenKey } from "../../src/core/records.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { FileStore } from "../../src/store/file-store.ts";

/** The issuer of every record written. */
const ISSUER = "https://as.example.com";
/** How many servers (and token keys) the writer cycles through. */
const SERVERS = 6;
/** The MCP server URL of server `i`. */
const serverUrl = (i: number): string => `https://mcp${i}.example/mcp`;

/** mulberry32: a small seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const [home, seedText, limitText] = process.argv.slice(2);
  if (!home) throw new Error("usage: sigkill-writer.ts HOME SEED [LIMIT]");
  const rnd = random(Number(seedText ?? 1));
  const int = (n: number) => Math.floor(rnd() * n);
  const limit = limitText ? Number(limitText) : Infinity;
  const store = new FileStore(home);
  const config = new ConfigFile(home);
  // Never outlive a test that died before it could kill this writer.
  setTimeout(() => process.exit(3), 90_000).unref();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say("ready");
  // Started ahead of time (a runtime takes a while to start): write once told to go.
  await new Promise<void>((go) => process.stdin.once("data", () => go()));
  for (let n = 0; n < limit; n++) {
    const i = int(SERVERS);
    const op = rnd();
    say("s");
    if (op < 0.4) {
      const check = int(30_000);
      await store.store({
        ServerURL: tokenKey(ISSUER, serverUrl(i)),
        Username: "mcp-oauth-token",
        Secret: JSON.stringify({
          v: 1,
          resource: serverUrl(i),
          issuer: ISSUER,
          token_endpoint: `${ISSUER}/token`,
          client_id: "c",
          auth_method: "none",
          send_resource: true,
          access_token: `at-${seedText}-${n}`,
          refresh_token: `rt-${seedText}-${n}`,
          token_type: "bearer",
          expires_at: Date.now() + 3_600_000,
          obtained_at: Date.now(),
          check,
          filler: "x".repeat(check),
        }),
      });
    } else if (op < 0.5) {
      await store.store({
        ServerURL: clientKey(`${ISSUER}/t${i}`),
        Username: "mcp-oauth-client",
        Secret: JSON.stringify({
          v: 1,
          source: "dcr",
          issuer: `${ISSUER}/t${i}`,
          client_id: `client-${n}`,
          token_endpoint_auth_method: "none",
          redirect_uris: ["http://127.0.0.1:7777/callback"],
          registered_at: Date.now(),
        }),
      });
    } else if (op < 0.65) {
      await store.erase(
        rnd() < 0.7 ? tokenKey(ISSUER, serverUrl(i)) : clientKey(`${ISSUER}/t${i}`),
      );
    } else if (op < 0.9) {
      const scopes = Array.from({ length: 1 + int(400) }, (_, k) => `scope-${k}`);
      await config.put({ name: `server-${i}`, url: serverUrl(i), issuer: ISSUER, scopes });
    } else {
      await config.remove(`server-${i}`);
    }
    say("w");
  }
}

await main();
