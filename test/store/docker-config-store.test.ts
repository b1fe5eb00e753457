/**
 * `--store docker`: the helper Docker's config.json names, by the key's host (credHelpers)
 * first, then credsStore; nothing configured means mcp-oauth's own file store.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { openStore } from "../../src/cli/open-store.ts";
import { ErrorCode, McpOAuthError } from "../../src/core/errors.ts";
import { detectRuntime } from "../../src/runtime/detect.ts";
import type { Runtime } from "../../src/runtime/runtime.ts";
import type { CredentialStore } from "../../src/store/credential-store.ts";
import {
  dockerConfigPath,
  DockerConfigStore,
  readDockerConfig,
} from "../../src/store/docker-config-store.ts";
import { FileStore } from "../../src/store/file-store.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import {
  type FakeHelpers,
  installFakeHelpers,
  runtimeWithEnv,
} from "../fixtures/fake-helpers/index.ts";

const SLOW = { timeout: 30_000 };

describe("--store docker (Docker's config.json)", () => {
  let fakes: FakeHelpers;
  let runtime: Runtime;
  let root: string;
  let n = 0;
  before(async () => {
    fakes = await installFakeHelpers(["ok", "cap", "empty"]);
    runtime = runtimeWithEnv(await detectRuntime(), () => ({ ...process.env, ...fakes.env }));
    root = await mkdtemp(join(tmpdir(), "mcp-oauth-docker-config-"));
  });
  after(async () => {
    await fakes?.remove();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A fresh DOCKER_CONFIG folder with `config` (a string is written as is) and an mcp-oauth home. */
  async function dockerConfig(config?: unknown): Promise<{ docker: string; home: string }> {
    const docker = join(root, `docker-${++n}`);
    const home = join(root, `home-${n}`);
    await mkdir(docker);
    await mkdir(home);
    if (config !== undefined) {
      await writeFile(
        join(docker, "config.json"),
        typeof config === "string" ? config : JSON.stringify(config),
      );
    }
    return { docker, home };
  }

  const open = (docker: string, home: string): Promise<CredentialStore> =>
    openStore("ls", "docker", runtime, home, {}, { DOCKER_CONFIG: docker });

  it("Storage: credHelpers for the key's host wins over credsStore", SLOW, async () => {
    await Promise.all([fakes.reset("ok"), fakes.reset("cap"), fakes.reset("empty")]);
    const { docker, home } = await dockerConfig({
      auths: {},
      credsStore: "fake-ok",
      credHelpers: { "as.example": "fake-cap", "other.example:8443": "fake-empty" },
    });
    const store = await open(docker, home);
    assert.ok(store instanceof DockerConfigStore);
    assert.equal(store.name, "docker (fake-ok, fake-cap, fake-empty)");
    const keys = {
      cap: "https://as.example/.mcp-oauth/token/x",
      empty: "https://other.example:8443/.mcp-oauth/client",
      ok: "https://mcp.example/y",
      okToo: "https://as.example:8443/z", // another port is another host
    };
    for (const [name, key] of Object.entries(keys)) {
      await store.store({ ServerURL: key, Username: name, Secret: `secret of ${name}` });
    }
    assert.deepEqual(Object.keys(await fakes.entries("cap")), [keys.cap]);
    assert.deepEqual(Object.keys(await fakes.entries("empty")), [keys.empty]);
    assert.deepEqual(Object.keys(await fakes.entries("ok")).sort(), [keys.ok, keys.okToo].sort());
    for (const [name, key] of Object.entries(keys)) {
      assert.equal((await store.get(key))?.Secret, `secret of ${name}`);
    }
    assert.deepEqual(
      await store.list(),
      Object.fromEntries(Object.entries(keys).map(([name, key]) => [key, name])),
      "list() merges every helper's entries",
    );
    await store.erase(keys.cap);
    assert.deepEqual(await fakes.entries("cap"), {});
    assert.equal(await store.get(keys.cap), undefined);
    assert.equal(
      Object.keys(await fakes.entries("ok")).length,
      2,
      "erase went to the host's helper only",
    );
    assert.equal(await readFile(join(home, "credentials.json"), "utf8").catch(() => null), null);
  });

  it("Storage: credsStore serves every host that credHelpers does not name", SLOW, async () => {
    await fakes.reset("ok");
    const { docker, home } = await dockerConfig({ credsStore: "fake-ok" });
    const store = await open(docker, home);
    assert.equal(store.name, "docker (fake-ok)");
    await store.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "s" });
    assert.deepEqual(await fakes.entries("ok"), {
      "https://a.example/x": { Username: "u", Secret: "s" },
    });
    assert.equal((await store.get("https://a.example/x"))?.Secret, "s");
    assert.deepEqual(await store.list(), { "https://a.example/x": "u" });
    assert.equal(await readFile(join(home, "credentials.json"), "utf8").catch(() => null), null);
  });

  it("Storage: with no helper configured (or no config.json) --store docker is the file store", async () => {
    for (
      const config of [
        undefined,
        {},
        { auths: { "https://index.docker.io/v1/": { auth: "dXNlcjpwYXNz" } } },
        { credsStore: "", credHelpers: {} },
      ]
    ) {
      const { docker, home } = await dockerConfig(config);
      const before = await readFile(join(docker, "config.json"), "utf8").catch(() => undefined);
      const store = await open(docker, home);
      assert.ok(store instanceof FileStore, `config ${JSON.stringify(config)}`);
      assert.equal(store.name, "file");
      assert.equal(store.path, join(home, "credentials.json"));
      await store.store({ ServerURL: "https://a.example/x", Username: "u", Secret: "s" });
      const saved = JSON.parse(await readFile(store.path, "utf8"));
      assert.equal(saved.credentials["https://a.example/x"].Secret, "s");
      assert.equal(
        await readFile(join(docker, "config.json"), "utf8").catch(() => undefined),
        before,
        "Docker's config.json is never written",
      );
    }
  });

  it("Storage: a corrupt config.json is a clear one-line error, and is left alone", async () => {
    const { docker, home } = await dockerConfig('{ "credsStore": "pass", ');
    const path = join(docker, "config.json");
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: docker }), path);
    await assert.rejects(open(docker, home), (err: unknown) => {
      assert.ok(err instanceof McpOAuthError);
      assert.equal(err.code, ErrorCode.STORE_FAILED);
      assert.equal(
        err.message,
        `${path} is not valid JSON; fix it (Docker reads it too), then retry.`,
      );
      return true;
    });
    assert.equal(await readFile(path, "utf8"), '{ "credsStore": "pass", ');
  });

  it("Storage: helper names that are not strings are ignored; a bad helper name is a usage error", async () => {
    const { docker } = await dockerConfig({
      credsStore: 42,
      credHelpers: { "a.example": "fake-ok", "b.example": null, "c.example": "" },
    });
    assert.deepEqual(await readDockerConfig(join(docker, "config.json")), {
      credsStore: undefined,
      credHelpers: { "a.example": "fake-ok" },
    });
    const store = new DockerConfigStore({ credsStore: "../evil" }, runtime.run.bind(runtime), {
      path: join(docker, "config.json"),
      fallback: new MemoryStore(),
    });
    await assert.rejects(
      store.get("https://a.example/x"),
      (err: unknown) => err instanceof McpOAuthError && err.code === ErrorCode.USAGE,
    );
  });

  it("Storage: a host no helper serves (credHelpers only, no credsStore) goes to the fallback store", async () => {
    await fakes.reset("ok");
    const fallback = new MemoryStore();
    const store = new DockerConfigStore(
      { credHelpers: { "gcr.io": "fake-ok" } },
      runtime.run.bind(runtime),
      {
        path: "/nonexistent/config.json",
        fallback,
      },
    );
    await store.store({ ServerURL: "https://as.example:9443/x", Username: "u", Secret: "s" });
    assert.deepEqual(await fakes.entries("ok"), {}, "nothing went to the gcr.io helper");
    assert.equal((await fallback.get("https://as.example:9443/x"))?.Secret, "s");
    assert.equal((await store.get("https://as.example:9443/x"))?.Secret, "s");
    assert.deepEqual(await store.list(), { "https://as.example:9443/x": "u" });
  });
});
