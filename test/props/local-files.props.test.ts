/**
 * Properties of the small local files mcp-oauth reads (issue 10): Docker's config.json (which
 * helper `--store docker` uses) and the sign-in marker files. Any contents give a value of the
 * documented shape or a clear STORE_FAILED error, never a crash.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { ErrorCode } from "../../src/core/errors.ts";
import { readDockerConfig } from "../../src/store/docker-config-store.ts";
import { SignInMarkers } from "../../src/store/sign-in-marker.ts";
import { anyString, PROTO_KEYS, settleAsync } from "./props-helpers.ts";

const RUNS = 300;

let base: string;
let n = 0;
before(async () => {
  base = await mkdtemp(join(tmpdir(), "mcp-oauth-props-files-"));
});
after(() => rm(base, { recursive: true, force: true }));

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, "", "pass", 5, [], {}, ["pass"], { toString: 1 }),
);

describe("local files: properties (issue 10)", () => {
  it(`Docker's config.json: any contents give helper names or STORE_FAILED (${RUNS} runs)`, async () => {
    const contents = fc.oneof(
      anyString,
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({
        credsStore: fc.oneof(fc.constantFrom("pass", "desktop", "osxkeychain"), junk),
        credHelpers: fc.oneof(
          fc.dictionary(fc.oneof(fc.domain(), fc.constantFrom(...PROTO_KEYS)), junk),
          junk,
        ),
        auths: junk,
      }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(contents, async (text) => {
        const path = join(base, `docker-${n++}`, "config.json");
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
        const r = await settleAsync(() => readDockerConfig(path), [ErrorCode.STORE_FAILED]);
        if (r.ok) {
          const { credsStore, credHelpers } = r.value;
          assert.ok(credsStore === undefined || (typeof credsStore === "string" && credsStore));
          for (const [host, helper] of Object.entries(credHelpers ?? {})) {
            assert.ok(typeof helper === "string" && helper !== "", `helper of ${host}`);
          }
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`sign-in markers: any marker file reads as a live holder or none (${RUNS} runs)`, async () => {
    const future = Date.now() + 3_600_000;
    const marker = fc.oneof(
      anyString,
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({
        pid: fc.oneof(
          fc.constantFrom(process.pid, 0, -1, -process.pid, 1e300, 2 ** 31, 4_000_000, 1.5),
          junk,
        ),
        expiresAt: fc.oneof(fc.constantFrom(future, 0, -1, 1e300), junk),
        url: fc.oneof(fc.webUrl(), junk),
        userCode: fc.oneof(fc.string(), junk),
      }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(marker, async (text) => {
        const markers = new SignInMarkers(join(base, `home-${n++}`));
        const key = "https://mcp.example/mcp";
        const path = markers.pathFor(key);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
        const info = await markers.read(key);
        if (info !== undefined) {
          assert.ok(Number.isInteger(info.pid) && info.pid > 0, `a process id: ${info.pid}`);
          assert.ok(typeof info.expiresAt === "number" && info.expiresAt > Date.now(), "live");
          for (const v of [info.url, info.userCode]) {
            assert.ok(v === undefined || typeof v === "string", "printable fields are text");
          }
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});
