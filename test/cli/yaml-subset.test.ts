/**
 * The YAML subset reader behind `import docker-catalog`: Docker's catalog shapes, scalars,
 * block scalars, and clear refusals of what it does not read. Under Bun the results are also
 * compared with Bun's own YAML parser.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { parseYamlSubset, YamlSubsetError } from "../../src/catalog/yaml-subset.ts";

const FIXTURE = new URL("../fixtures/docker-catalog.yaml", import.meta.url);
const bunYaml = (globalThis as { Bun?: { YAML?: { parse(text: string): unknown } } }).Bun?.YAML;

/** Parse, and under Bun check that Bun's YAML parser agrees. */
function parse(text: string): unknown {
  const value = parseYamlSubset(text);
  if (bunYaml) assert.deepEqual(value, bunYaml.parse(text), "Bun.YAML agrees");
  return value;
}

describe("the YAML subset of Docker's catalogs", () => {
  it("reads a catalog as yaml.v3 writes it, and by hand", async () => {
    const doc = parse(await readFile(FIXTURE, "utf8")) as {
      version: number;
      registry: Record<string, Record<string, any>>;
    };
    assert.equal(doc.version, 2);
    const r = doc.registry;
    assert.deepEqual(Object.keys(r), [
      "notion-remote",
      "sentry-remote",
      "demo-remote",
      "docs-remote",
      "github-official",
    ]);
    assert.deepEqual(r["notion-remote"]!.remote, {
      transport_type: "streamable-http",
      url: "https://mcp.notion.com/mcp",
    });
    assert.deepEqual(r["notion-remote"]!.tools, []);
    assert.deepEqual(r["notion-remote"]!.resources, {});
    assert.equal(r["notion-remote"]!.dateAdded, "2025-08-20T00:00:00Z");
    assert.deepEqual(r["notion-remote"]!.metadata.tags, ["productivity", "remote"]);
    assert.equal(r["notion-remote"]!.oauth.providers[0].provider, "notion-remote");
    assert.equal(
      r["sentry-remote"]!.description,
      'Look up issues, events and releases.\nTwo lines: "quoted" and #not-a-comment.\n',
    );
    assert.equal(r["sentry-remote"]!.title, "Sentry (remote)");
    assert.deepEqual(r["sentry-remote"]!.oauth, [
      { provider: "sentry-remote", secret: "sentry-remote.personal_access_token" },
    ]);
    assert.deepEqual(r["demo-remote"]!.oauth, [{ provider: "demo" }]);
    assert.equal(
      r["github-official"]!.description,
      "A local server: it runs in a container, not a remote one.",
    );
  });

  it("reads scalars: quotes, escapes, numbers, booleans, null, comments", () => {
    assert.deepEqual(
      parse(`---
# comment
a: "tab\\there \\u00e9 \\U0001F50C \\x41"   # trailing comment
b: 'it''s # not a comment'
c: 42
d: -1.5
e: true
f: null
g: ~
h:
i: plain text:with a colon
j: http://x.example/a#frag
"k k": 1
l: [a, "b, c", 3, {x: y}]
m: multi
  line plain
`),
      {
        a: "tab\there é 🔌 A",
        b: "it's # not a comment",
        c: 42,
        d: -1.5,
        e: true,
        f: null,
        g: null,
        h: null,
        i: "plain text:with a colon",
        j: "http://x.example/a#frag",
        "k k": 1,
        l: ["a", "b, c", 3, { x: "y" }],
        m: "multi line plain",
      },
    );
  });

  it("reads sequences indented or not, nested, and of mappings", () => {
    assert.deepEqual(
      parse(`list:
- a
- b: 1
  c: 2
-
  - x
  - y
under:
  - name: n
    items:
      - 1
      - 2
`),
      {
        list: ["a", { b: 1, c: 2 }, ["x", "y"]],
        under: [{ name: "n", items: [1, 2] }],
      },
    );
  });

  it("reads literal and folded block scalars with chomping", () => {
    assert.deepEqual(
      parse(`keep: |+
  a

strip: |-
  a
   b
clip: |
  a

folded: >
  one
  two

  three
   indented
  four
end: x
`),
      {
        keep: "a\n\n",
        strip: "a\n b",
        clip: "a\n",
        folded: "one two\nthree\n indented\nfour\n",
        end: "x",
      },
    );
  });

  it("refuses anchors, aliases, tags, several documents, tabs and broken flow, naming the line", () => {
    const refuses = (text: string, pattern: RegExp) =>
      assert.throws(() => parseYamlSubset(text), (err: unknown) => {
        assert.ok(err instanceof YamlSubsetError);
        assert.match(err.message, pattern);
        return true;
      });
    refuses("a: &x 1\nb: 2\n", /^line 1: anchors, aliases and tags are not supported/);
    refuses("a: 1\nb: *x\n", /^line 2: anchors/);
    refuses("a: !!str 1\n", /^line 1: anchors/);
    refuses("a: 1\n---\nb: 2\n", /^line 2: only one YAML document/);
    refuses("a:\n\tb: 1\n", /^line 2: tabs/);
    refuses("a: [1, 2\n", /^line 1: expected , or \]/);
    refuses('a: "open\n', /^line 1: unterminated double-quoted string/);
    refuses("a: 1\na: 2\n", /^line 2: duplicate key "a"/);
    refuses("a: 1\n  b: 2\n", /^line 2: unexpected nested block after a value/);
  });

  it("reads nothing as null", () => {
    assert.equal(parseYamlSubset(""), null);
    assert.equal(parseYamlSubset("# only a comment\n"), null);
  });
});
