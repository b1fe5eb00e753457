/**
 * Properties of config.json, the server registry (issue 10): any file contents read as
 * definitions or a clear STORE_FAILED error, never a crash, and a file that cannot be read is
 * never rewritten; on a good file, any sequence of put/remove/get (names such as
 * "constructor" included) behaves like a map and survives a fresh read.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCode } from "../../src/core/errors.ts";
import { ConfigFile } from "../../src/store/config-file.ts";
import { anyString, PROTO_KEYS, settleAsync } from "./props-helpers.ts";

const RUNS = 300;

let base: string;
let n = 0;
before(async () => {
  base = await mkdtemp(join(tmpdir(), "mcp-oauth-props-config-"));
});
after(() => rm(base, { recursive: true, force: true }));

/** A fresh home per run: a new path, so no cached parse of an earlier file can answer. */
async function home(contents?: string): Promise<string> {
  const dir = join(base, String(n++));
  await mkdir(dir, { recursive: true });
  if (contents !== undefined) await writeFile(join(dir, "config.json"), contents);
  return dir;
}

const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
  fc.constantFrom(...PROTO_KEYS),
  fc.string({ maxLength: 6 }),
);
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, [], {}, "x", 5, { url: 5 }, { url: "https://a.example/mcp" }),
);
const definition = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      url: fc.webUrl(),
      scopes: fc.oneof(fc.array(fc.string()), junk),
      clientId: fc.oneof(fc.string(), junk),
    }, { requiredKeys: ["url"] }),
  },
  { weight: 1, arbitrary: junk },
);
const contents = fc.oneof(
  { weight: 1, arbitrary: anyString },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 4,
    arbitrary: fc.record({
      version: fc.oneof(fc.constant(1), junk),
      settings: fc.oneof(fc.dictionary(fc.string(), junk), junk),
      servers: fc.oneof(
        { weight: 4, arbitrary: fc.dictionary(name, definition, { maxKeys: 4 }) },
        { weight: 1, arbitrary: junk },
      ),
    }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  },
);

describe("config.json: properties (issue 10)", () => {
  it(`any file reads as definitions or STORE_FAILED, and a bad file is never rewritten (${RUNS} runs)`, async () => {
    let readable = 0;
    await fc.assert(
      fc.asyncProperty(contents, name, fc.webUrl(), async (text, probe, url) => {
        const dir = await home(text);
        const path = join(dir, "config.json");
        const bytes = await readFile(path);
        const config = new ConfigFile(dir);
        const codes = [ErrorCode.STORE_FAILED];
        const list = await settleAsync(() => config.list(), codes);
        const settings = await settleAsync(() => config.settings(), codes);
        const got = await settleAsync(() => config.get(probe), codes);
        if (list.ok) {
          readable++;
          for (const d of list.value) {
            assert.equal(typeof d.url, "string", `${d.name} has a url`);
            assert.equal(typeof d.name, "string");
          }
          assert.ok(settings.ok, "a readable file has readable settings");
          assert.equal(typeof settings.value, "object");
          assert.ok(got.ok);
          const listed = list.value.find((d) => d.name === probe);
          assert.deepEqual(got.value, listed, `get("${probe}") is what list() has`);
        } else {
          assert.ok(!got.ok, "an unreadable file is unreadable for get() too");
          const put = await settleAsync(() => config.put({ name: "new", url }), codes);
          const removed = await settleAsync(() => config.remove(probe), codes);
          assert.ok(!put.ok && !removed.ok, "no change to a file that cannot be read");
          assert.deepEqual(await readFile(path), bytes, "the file is not rewritten");
        }
        return true;
      }),
      { numRuns: RUNS },
    );
    assert.ok(readable >= RUNS / 20, `enough files were readable (${readable})`);
  });

  it(`put, remove and get behave like a map, for any names, across fresh reads (${RUNS / 3} runs)`, async () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant("put" as const), name, url: fc.webUrl() }),
      fc.record({ op: fc.constant("remove" as const), name }),
      fc.record({ op: fc.constant("get" as const), name }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 8 }), async (ops) => {
        const dir = await home();
        const model = new Map<string, string>();
        for (const o of ops) {
          const config = new ConfigFile(dir);
          if (o.op === "put") {
            await config.put({ name: o.name, url: o.url });
            model.set(o.name, o.url);
          } else if (o.op === "remove") {
            assert.equal(await config.remove(o.name), model.delete(o.name), `remove ${o.name}`);
          } else {
            const def = await config.get(o.name);
            const url = model.get(o.name);
            assert.deepEqual(def, url === undefined ? undefined : { name: o.name, url });
          }
        }
        const fresh = await new ConfigFile(dir).list();
        assert.deepEqual(
          new Map(fresh.map((d) => [d.name, d.url])),
          model,
          "what a fresh read finds",
        );
        return true;
      }),
      { numRuns: RUNS / 3 },
    );
  });
});
