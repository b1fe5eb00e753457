/**
 * Properties of the catalogs (issue 10): `import docker-catalog` reads any file into servers
 * and skipped entries or refuses it with a usage error, never a crash; generated Docker
 * catalogs (JSON and YAML, in every layout it accepts) yield exactly the remote OAuth servers
 * they hold; and the built-in catalog's look-ups take any text.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CATALOG, catalogEntry, catalogEntryForUrl } from "../../src/catalog/catalog.ts";
import { parseDockerCatalog } from "../../src/catalog/docker-catalog.ts";
import { ErrorCode } from "../../src/core/errors.ts";
import { SERVER_NAME } from "../../src/core/server-input.ts";
import { anyString, hostileText, PROTO_KEYS, settle } from "./props-helpers.ts";
import { Choices, emit, type V } from "./yaml-emitter.ts";

const RUNS = 1500;

type Obj = { [k: string]: V };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** An object with own keys only, as JSON.parse builds it ("__proto__" included). */
function own(entries: [string, V][]): Obj {
  const o: Obj = {};
  for (const [k, v] of entries) {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return o;
}

const junk: fc.Arbitrary<V> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<V>,
  fc.constantFrom<V>(null, "", " ", "remote", "local", 5, true, [], {}, { toString: 1 }, [{
    provider: 5,
  }]),
);
const serverName = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.constantFrom(...PROTO_KEYS, "-bad", "a".repeat(65), "with space"),
);
const url = fc.oneof(
  fc.webUrl({ validSchemes: ["https"] }),
  fc.constantFrom("", "  ", " https://x.example/mcp ", "not a url", "http://127.0.0.1:1/mcp"),
);
const provider = fc.oneof(
  fc.record({ provider: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/) }),
  fc.record({ provider: fc.stringMatching(/^[a-z]{1,8}$/), secret: fc.string() }),
  junk,
);
/** One server entry: mostly close to a real one, with any field replaced by junk. */
const server: fc.Arbitrary<V> = fc.record({
  type: fc.oneof(fc.constantFrom<V>("remote", "remote", "server", "poci"), junk),
  remote: fc.oneof(
    fc.record({
      url: fc.oneof(url, junk),
      transport_type: fc.oneof(fc.constantFrom<V>("streamable-http", "sse"), junk),
    }, { requiredKeys: [] }),
    junk,
  ),
  oauth: fc.oneof(
    fc.array(provider, { maxLength: 3 }),
    fc.record({ providers: fc.array(provider, { maxLength: 3 }) }),
    junk,
  ),
  title: fc.oneof(fc.string(), junk),
  about: fc.oneof(fc.record({ title: fc.oneof(fc.string(), junk) }), junk),
}, { requiredKeys: [] }) as fc.Arbitrary<V>;

/** What the documented rules say an entry yields. */
function expected(name: string, s: V) {
  if (!isObj(s) || s.type !== "remote") return undefined;
  const remote = isObj(s.remote) ? s.remote : {};
  const u = typeof remote.url === "string" ? remote.url.trim() : "";
  const oauth = Array.isArray(s.oauth)
    ? s.oauth
    : isObj(s.oauth) && Array.isArray(s.oauth.providers)
    ? s.oauth.providers
    : [];
  if (!u || !oauth.length || !SERVER_NAME.test(name)) return undefined;
  const about = isObj(s.about) ? s.about : s;
  return {
    name,
    url: u,
    ...(typeof about.title === "string" && about.title ? { title: about.title } : {}),
    ...(typeof remote.transport_type === "string" ? { transport: remote.transport_type } : {}),
    providers: oauth.map((p) => (isObj(p) && typeof p.provider === "string" ? p.provider : ""))
      .filter(Boolean),
  };
}

describe("catalogs: properties (issue 10)", () => {
  it(`import docker-catalog: any text is read or refused with a usage error (${RUNS} runs)`, () => {
    const text = fc.oneof(
      anyString,
      hostileText([
        "{",
        "}",
        "[",
        "]",
        '"registry"',
        ":",
        ",",
        "registry:\n",
        "  ",
        "\n",
        "type: remote\n",
        "remote:\n  url: https://x.example/mcp\n",
        "oauth:\n  - provider: x\n",
        '{"type": {"toString": 1}}',
        "- ",
        "|",
        "&a",
      ], 14),
    );
    fc.assert(
      fc.property(text, (t) => {
        const r = settle(() => parseDockerCatalog(t), [ErrorCode.USAGE]);
        if (r.ok) {
          for (const s of r.value.servers) assert.match(s.name, SERVER_NAME);
          for (const s of r.value.skipped) assert.doesNotMatch(s.reason, /[\r\n]/);
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it(`generated catalogs yield exactly their remote OAuth servers, as JSON and as YAML (${RUNS} runs)`, () => {
    const entries = fc.uniqueArray(fc.tuple(serverName, server), {
      minLength: 1,
      maxLength: 5,
      selector: ([n]) => n,
    });
    fc.assert(
      fc.property(
        entries,
        fc.constantFrom("catalog", "bare", "server.yaml"),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 32 }),
        (list, layout, asJson, bits) => {
          let doc: Obj;
          let used = list;
          if (layout === "catalog") {
            doc = own([["version", 2], ["name", "docker-mcp"], ["registry", own(list)]]);
          } else if (layout === "bare") {
            // A bare map only counts entries that have a "type".
            used = list.filter(([, s]) => isObj(s) && "type" in s);
            doc = own(list);
          } else {
            const [name, s] = list[0]!;
            if (!isObj(s) || typeof s.type !== "string") return true;
            used = [[name, s]];
            doc = own([...Object.entries(s), ["name", name]]);
          }
          const text = asJson ? JSON.stringify(doc) : emit(doc, new Choices(bits));
          const r = settle(() => parseDockerCatalog(text), [ErrorCode.USAGE]);
          if (!r.ok) {
            assert.equal(used.length, 0, `refused only when nothing is there: ${r.error.message}`);
            return true;
          }
          const want = used.map(([n, s]) => expected(n, s)).filter((x) => x !== undefined);
          assert.deepEqual(r.value.servers, want, text);
          assert.equal(r.value.servers.length + r.value.skipped.length, used.length);
          for (const s of r.value.skipped) {
            assert.ok(used.some(([n]) => n === s.name), `skipped ${s.name} was an entry`);
            assert.doesNotMatch(s.reason, /[\r\n]/, "one line");
          }
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`built-in catalog: look-ups take any text; names in any case and URLs with trailing slashes find their entry (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(anyString, fc.constantFrom(...PROTO_KEYS)),
        fc.constantFrom(...CATALOG),
        fc.array(fc.boolean(), { maxLength: 30 }),
        fc.nat(3),
        (text, entry, upper, slashes) => {
          const e = catalogEntry(text);
          assert.ok(e === undefined || e.name === text.toLowerCase(), text);
          const f = catalogEntryForUrl(text);
          assert.ok(f === undefined || f.url.replace(/\/+$/, "") === text.replace(/\/+$/, ""));
          const cased = [...entry.name].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join(
            "",
          );
          assert.equal(catalogEntry(cased), entry);
          assert.equal(
            catalogEntryForUrl(entry.url.replace(/\/+$/, "") + "/".repeat(slashes)),
            entry,
          );
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });
});
