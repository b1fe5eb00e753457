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
import { parseYamlSubset, YamlSubsetError } from "../../src/core/yaml-subset.ts";
import { hostileText, PROTO_KEYS } from "./props-helpers.ts";

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
    assert.ok(err.line >= 1 && err.line <= text.split("\n").length + 1, `line ${err.line}`);
    return { ok: false };
  }
}

// ---------------------------------------------------------------------------------------------
// A model of YAML values and an emitter for every style the reader supports.

type V = null | boolean | number | string | V[] | { [k: string]: V };

const KEYWORDS = /^(null|Null|NULL|~|true|True|TRUE|false|False|FALSE)$/;
const SAFE_PLAIN = /^[A-Za-z_](?:[A-Za-z0-9_ ./-]*[A-Za-z0-9_./-])?$/;
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Characters a single-quoted scalar cannot hold on one line (controls, line separators). */
// deno-lint-ignore no-control-regex
const UNQUOTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Style choices, drawn once per document and consumed in order. */
class Choices {
  #i = 0;
  constructor(readonly bits: number[]) {}
  next(n: number): number {
    const b = this.bits.length ? this.bits[this.#i++ % this.bits.length]! : 0;
    return b % n;
  }
}

function key(k: string, c: Choices): string {
  if (SAFE_KEY.test(k) && !KEYWORDS.test(k) && c.next(3) !== 0) return k;
  if (!UNQUOTABLE.test(k) && c.next(2) === 0) return `'${k.replace(/'/g, "''")}'`;
  return JSON.stringify(k);
}

/** A scalar on one line, or undefined when it needs a block scalar. */
function inline(v: V, c: Choices): string | undefined {
  if (v === null) return ["null", "~", "Null", "NULL"][c.next(4)];
  if (v === true) return ["true", "True", "TRUE"][c.next(3)];
  if (v === false) return ["false", "False", "FALSE"][c.next(3)];
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") return undefined;
  const style = c.next(4);
  if (style === 0 && SAFE_PLAIN.test(v) && !KEYWORDS.test(v)) return v;
  if (style === 1 && !UNQUOTABLE.test(v)) {
    return `'${v.replace(/'/g, "''")}'`;
  }
  if (style === 2 && blockable(v)) return undefined;
  return JSON.stringify(v);
}

/** Strings a literal block scalar can carry exactly. */
function blockable(v: string): boolean {
  if (!v.includes("\n") || /[\r\u0085\u2028\u2029]/.test(v) || !v.trim()) return false;
  const lines = v.replace(/\n+$/, "").split("\n");
  return lines.every((l) => l === "" || /^[^\s]/.test(l)) && /^[^\s]/.test(lines[0]!);
}

function blockScalar(v: string, indent: number): string[] {
  const trailing = /\n*$/.exec(v)![0].length;
  const body = v.slice(0, v.length - trailing).split("\n");
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const pad = " ".repeat(indent);
  return [
    `|${chomp}`,
    ...body.map((l) => (l ? pad + l : "")),
    ...Array.from({ length: Math.max(0, trailing - 1) }, () => ""),
  ];
}

/** A flow collection on one line, when `v` holds only scalars. */
function flow(v: V[] | { [k: string]: V }, c: Choices): string | undefined {
  const scalar = (x: V) =>
    typeof x === "string"
      ? JSON.stringify(x)
      : x === null || typeof x !== "object"
      ? inline(x, c)
      : undefined;
  if (Array.isArray(v)) {
    const parts = v.map(scalar);
    return parts.every((p) => p !== undefined) ? `[${parts.join(", ")}]` : undefined;
  }
  const parts = Object.entries(v).map(([k, x]) => {
    const s = scalar(x);
    return s === undefined || k === "__proto__" ? undefined : `${JSON.stringify(k)}: ${s}`;
  });
  return parts.every((p) => p !== undefined) ? `{${parts.join(", ")}}` : undefined;
}

/** Lines of `v` as the value after "key:" or "-" at `indent`; the first is the inline part. */
function node(v: V, indent: number, c: Choices, inSequence: boolean): [string, string[]] {
  if (v !== null && typeof v === "object") {
    const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
    if (empty) return [Array.isArray(v) ? " []" : " {}", []];
    if (c.next(4) === 0) {
      const f = flow(v, c);
      if (f) return [` ${f}`, []];
    }
    if (Array.isArray(v)) {
      // yaml.v3 writes a mapping's sequence at the key's own indentation.
      const at = !inSequence && c.next(2) === 0 ? indent : indent + 2;
      return ["", sequence(v, at, c)];
    }
    return ["", mapping(v, indent + 2, c)];
  }
  const text = inline(v, c);
  if (text !== undefined) return [` ${text}${c.next(5) === 0 ? " # note" : ""}`, []];
  const [header, ...body] = blockScalar(v as string, indent + 2);
  return [` ${header}`, body];
}

function mapping(v: { [k: string]: V }, indent: number, c: Choices): string[] {
  const pad = " ".repeat(indent);
  const out: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (c.next(7) === 0) out.push(`${pad}# a comment`);
    const [first, rest] = node(x, indent, c, false);
    out.push(`${pad}${key(k, c)}:${first}`, ...rest);
  }
  return out;
}

function sequence(v: V[], indent: number, c: Choices): string[] {
  const pad = " ".repeat(indent);
  const out: string[] = [];
  for (const x of v) {
    if (x !== null && typeof x === "object" && !Array.isArray(x) && Object.keys(x).length) {
      // "- key: value" with the other keys lined up after the dash.
      const lines = mapping(x, indent + 2, c);
      const firstKey = lines.findIndex((l) => !l.trimStart().startsWith("#"));
      out.push(...lines.slice(0, firstKey), `${pad}- ${lines[firstKey]!.slice(indent + 2)}`);
      out.push(...lines.slice(firstKey + 1));
      continue;
    }
    const [first, rest] = node(x, indent, c, true);
    out.push(`${pad}-${first}`, ...rest);
  }
  return out;
}

function emit(v: V, c: Choices): string {
  let lines: string[];
  if (Array.isArray(v) && v.length) lines = sequence(v, 0, c);
  else if (v !== null && typeof v === "object" && Object.keys(v).length) {
    lines = mapping(v as { [k: string]: V }, 0, c);
  } else if (v !== null && typeof v === "object") lines = [Array.isArray(v) ? "[]" : "{}"];
  else lines = [inline(v, c) ?? JSON.stringify(v)]; // no block scalar at the top level
  if (c.next(3) === 0) lines.unshift("---");
  if (c.next(4) === 0) lines.unshift("# generated");
  const eol = c.next(4) === 0 ? "\r\n" : "\n";
  // Without a final line break the last empty line of a "|+" scalar would not exist.
  return lines.join(eol) + (c.next(3) === 0 && lines.at(-1) !== "" ? "" : eol);
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
