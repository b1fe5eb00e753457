/**
 * Properties of the YAML subset reader behind `import docker-catalog` (issue 10): any text
 * parses or throws YamlSubsetError (never another error, however deep the nesting), and
 * generated documents in every supported style read back to the value they were written from.
 * Under Bun, Bun's own YAML parser must agree on the generated documents too.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseYamlSubset, YamlSubsetError } from "../../src/catalog/yaml-subset.ts";
import { hostileText, PROTO_KEYS } from "./props-helpers.ts";
import { Choices, emit, type V } from "./yaml-emitter.ts";

const RUNS = 2000;
const bunYaml = (globalThis as { Bun?: { YAML?: { parse(text: string): unknown } } }).Bun?.YAML;

/** Parse; anything thrown must be a YamlSubsetError naming a line of the input. */
function parseOrRefuse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parseYamlSubset(text) };
  } catch (err) {
    if (!(err instanceof YamlSubsetError)) throw err;
    assert.match(err.message, /^line \d+: /);
    assert.doesNotMatch(err.message, /[\r\n]/, "one line");
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/, "no raw controls");
    assert.ok(err.line >= 1 && err.line <= text.split("\n").length + 1, `line ${err.line}`);
    return { ok: false };
  }
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom("a\nb\n", "line one\nline two", "x\n\n", "keep\n\n\n", "\na", "# not a comment"),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_ ./-]{0,12}$/),
);
const num = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) =>
    !Object.is(n, -0) && /^[-+]?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(String(n))
  ),
);
const mapKey = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/) },
  { weight: 2, arbitrary: fc.string({ minLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, "true", "null", "1", "-x", "a: b") },
);
const value: fc.Arbitrary<V> = fc.letrec<{ v: V }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    num,
    text,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(mapKey, tie("v"), { maxKeys: 4, noNullPrototype: true }).map((d) => {
      // A plain object with own keys only ("__proto__" included), as JSON.parse builds them.
      const o: { [k: string]: V } = {};
      for (const [k, x] of Object.entries(d)) {
        Object.defineProperty(o, k, {
          value: x,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    }),
  ),
})).v;

describe("YAML subset: properties (issue 10)", () => {
  it("an error quoting the input shows its control characters escaped (issue 18, item 3)", () => {
    // The counterexample fast-check found about one run in 40: a lone CR after a bad escape.
    for (
      const [doc, shown] of [
        ['a: "\\x4\r"', "line 1: bad escape \\x4\\u000d"],
        ['a: "\\\u2028"', "line 1: unknown escape \\\\u2028"],
        ["a: |\u0085", 'line 1: unsupported block scalar header "|\\u0085"'],
        ['a: "\\\x1b[2J"', "line 1: unknown escape \\\\u001b"],
      ]
    ) {
      assert.throws(() => parseYamlSubset(doc!), (err: Error) => {
        assert.ok(err instanceof YamlSubsetError);
        assert.equal(err.message, shown);
        return true;
      });
    }
  });

  it(`any text parses or is refused with a YamlSubsetError naming a line (${RUNS} runs)`, () => {
    const yamlish = hostileText([
      "\n",
      "\r\n",
      "  ",
      "\t",
      "- ",
      "-",
      "key: ",
      "k:",
      ": ",
      "|",
      "|+",
      ">-",
      "|2",
      '"',
      "'",
      "\\",
      "\\x4",
      "\\u00e9",
      "#",
      " # c",
      "[",
      "]",
      "{",
      "}",
      ",",
      "---",
      "...",
      "&a",
      "*a",
      "!tag",
      "__proto__: ",
      "\uFEFF",
    ], 16);
    fc.assert(
      fc.property(yamlish, (t) => {
        parseOrRefuse(t);
        return true;
      }),
      { numRuns: RUNS },
    );
  });

  it("nesting of any depth is read or refused, never a stack overflow (30 depths)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30_000 }), fc.nat(3), (depth, shape) => {
        const t = [
          "[".repeat(depth) + "]".repeat(depth),
          "- ".repeat(depth) + "x",
          "{a: ".repeat(depth) + "1" + "}".repeat(depth),
          Array.from({ length: Math.min(depth, 3000) }, (_, i) => `${" ".repeat(i)}k:`).join("\n"),
        ][shape]!;
        parseOrRefuse(t);
        return true;
      }),
      { numRuns: 30 },
    );
  });

  it(`generated documents read back to the value written (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(value, fc.array(fc.nat(), { maxLength: 64 }), (v, bits) => {
        const doc = emit(v, new Choices(bits));
        const r = parseOrRefuse(doc);
        assert.ok(r.ok, `refused:\n${doc}`);
        assert.deepEqual(r.value, v, doc);
        if (bunYaml && !hasProtoKey(v)) assert.deepEqual(bunYaml.parse(doc), v, `Bun.YAML: ${doc}`);
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});

function hasProtoKey(v: V): boolean {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some(hasProtoKey);
  return Object.keys(v).some((k) => k === "__proto__") || Object.values(v).some(hasProtoKey);
}
