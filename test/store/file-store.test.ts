import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { FileLock } from "../../src/store/file-lock.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import type { CredentialStore } from "../../src/store/credential-store.ts";
import { checkStoreContract } from "../helpers/store-contract.ts";

const homes: string[] = [];
async function home(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mcp-oauth-store-"));
  homes.push(dir);
  return dir;
}
after(() => Promise.all(homes.map((h) => rm(h, { recursive: true, force: true }))));

function contract(name: string, make: () => Promise<CredentialStore>) {
  describe(`${name}: the credential-helper contract`, () => {
    it("store, get, list, erase", async () => {
      await checkStoreContract(await make());
    });
  });
}

contract("memory store", () => Promise.resolve(new MemoryStore()));
contract("file store", async () => new FileStore(await home()));

describe("file store", () => {
  it("writes one file with mode 0600 in a 0700 folder, and no temp files remain", async () => {
    const dir = await home();
    const s = new FileStore(join(dir, "nested"));
    await s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "secret" });
    assert.equal((await stat(s.path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, "nested"))).mode & 0o777, 0o700);
    const { readdir } = await import("node:fs/promises");
    assert.deepEqual((await readdir(join(dir, "nested"))).sort(), ["credentials.json", "locks"]);
  });

  it("tightens a file that was made world-readable on the next write", async () => {
    const s = new FileStore(await home());
    await s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "1" });
    await chmod(s.path, 0o644);
    await s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "2" });
    assert.equal((await stat(s.path)).mode & 0o777, 0o600);
  });

  it("a corrupt file is a clear error and is never overwritten", async () => {
    const s = new FileStore(await home());
    await writeFile(s.path, "{ this is not json", { mode: 0o600 });
    await assert.rejects(
      s.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "s" }),
      (e: unknown) => {
        assert.ok(e instanceof McpOAuthError);
        assert.equal(e.code, ErrorCode.STORE_FAILED);
        assert.match(
          e.message,
          /credentials\.json is not valid JSON; mcp-oauth will not overwrite it/,
        );
        return true;
      },
    );
    assert.equal(await readFile(s.path, "utf8"), "{ this is not json");
    await writeFile(
      s.path,
      JSON.stringify({ version: 1, credentials: { "https://x": { Username: 1 } } }),
    );
    await assert.rejects(s.get("https://x"), /malformed entry/);
  });

  it("concurrent writers in one process lose no update", async () => {
    const dir = await home();
    const a = new FileStore(dir);
    const b = new FileStore(dir);
    await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          (i % 2 ? a : b).store({ ServerURL: `https://h/${i}`, Username: "u", Secret: String(i) }),
      ),
    );
    assert.equal(Object.keys(await a.list()).length, 20);
  });
});

describe("config file", () => {
  it("keeps definitions, never secrets, and survives a round trip", async () => {
    const c = new ConfigFile(await home());
    await c.put({
      name: "notion",
      url: "https://mcp.notion.com/mcp",
      scopes: ["a"],
      clientId: "id",
    });
    assert.deepEqual(await c.get("notion"), {
      name: "notion",
      url: "https://mcp.notion.com/mcp",
      scopes: ["a"],
      clientId: "id",
    });
    assert.equal(await c.remove("notion"), true);
    assert.equal(await c.remove("notion"), false);
    assert.deepEqual(await c.list(), []);
  });

  it("a config without servers is refused, not replaced", async () => {
    const c = new ConfigFile(await home());
    await writeFile(c.path, "[]");
    await assert.rejects(c.put({ name: "x", url: "https://x" }), /not an mcp-oauth config file/);
    assert.equal(await readFile(c.path, "utf8"), "[]");
  });
});

describe("file lock", () => {
  it("serialises holders of the same key", async () => {
    const lock = new FileLock(await home());
    const events: string[] = [];
    await Promise.all([1, 2, 3].map((n) =>
      lock.withLock("k", async () => {
        events.push(`in${n}`);
        await new Promise((r) => setTimeout(r, 15));
        events.push(`out${n}`);
      })
    ));
    for (let i = 0; i < events.length; i += 2) {
      assert.equal(events[i]!.slice(2), events[i + 1]!.slice(3));
    }
  });

  it("takes over a lock whose holder is gone", async () => {
    const dir = await home();
    const lock = new FileLock(dir);
    // pid 2^22+1 is above Linux's pid_max default; no such process exists.
    await writeFile(lock.pathFor("k"), "4194305 0\n");
    const t0 = Date.now();
    assert.equal(await lock.withLock("k", () => Promise.resolve(42)), 42);
    assert.ok(Date.now() - t0 < 1000);
  });

  it("gives up with a clear message when the holder lives on", async () => {
    const dir = await home();
    const lock = new FileLock(dir, { timeoutMs: 100 });
    await writeFile(lock.pathFor("k"), `${process.pid} ${Date.now()}\n`);
    await assert.rejects(
      lock.withLock("k", () => Promise.resolve(1)),
      /Another mcp-oauth process has held .* for over 0\.1 s; if none is running, delete that file/,
    );
  });
});
