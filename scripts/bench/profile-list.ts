/**
 * Where the dashboard list page's time goes: the page rendered in-process N times with the
 * same set-up as dashboard-server.ts, with the file store's reads counted and timed.
 * Run under a profiler: node_modules/.bin/bun --cpu-prof scripts/bench/profile-list.ts [N] [pages]
 */

import { seedHome } from "../../test/helpers/seed.ts";
import { offlineDashboard } from "../../test/helpers/offline-dashboard.ts";

const n = Number(process.argv[2] ?? 20);
const pages = Number(process.argv[3] ?? 2000);
const { home, store, servers } = await seedHome(n, "mcp-oauth-bench-prof-");
let gets = 0;
let getMs = 0;
const get = store.get.bind(store);
store.get = async (k: string) => {
  const t0 = performance.now();
  gets++;
  try {
    return await get(k);
  } finally {
    getMs += performance.now() - t0;
  }
};
let lists = 0;
let listMs = 0;
const list = servers.list.bind(servers);
servers.list = async () => {
  const t0 = performance.now();
  lists++;
  try {
    return await list();
  } finally {
    listMs += performance.now() - t0;
  }
};
const app = offlineDashboard({ home, store, servers, secret: "k" });
const req = async () =>
  await (await app.request("http://127.0.0.1:7777/", {
    headers: { host: "127.0.0.1:7777", "mcp-oauth-key": "k" },
  })).text();
for (let i = 0; i < 100; i++) await req();
gets =
  getMs =
  lists =
  listMs =
    0;
const t0 = performance.now();
for (let i = 0; i < pages; i++) await req();
const ms = performance.now() - t0;
console.log(
  `${n} servers: ${(ms / pages).toFixed(3)} ms/page; store.get ${(gets / pages).toFixed(1)}/page, ${
    (getMs / pages).toFixed(3)
  } ms/page (wall, overlapping); servers.list ${(lists / pages).toFixed(1)}/page, ${
    (listMs / pages).toFixed(3)
  } ms/page`,
);
