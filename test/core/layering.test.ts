import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../../src/", import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
  );
}

const STATIC = /(?:^|\n)\s*(import type|import|export)[^;]*?from\s+["']([^"']+)["']/g;

function importsOf(file: string, typeOnly?: boolean): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(STATIC)].filter((m) =>
    typeOnly === undefined || (m[1] === "import type") === typeOnly
  )
    .map((m) => m[2]!)
    .concat(
      typeOnly ? [] : [...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!),
    );
}

describe("layers (DESIGN.md)", () => {
  it("src/core uses no runtime: no node:, bun:, Bun., Deno., process", () => {
    const offenders: string[] = [];
    for (const f of files(join(root, "core"))) {
      const text = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      for (const spec of importsOf(f)) {
        if (
          /^(node:|bun:|npm:|jsr:)/.test(spec) || (!spec.startsWith(".") && spec !== "oauth4webapi")
        ) offenders.push(`${f}: imports ${spec}`);
      }
      for (const g of ["Bun.", "Deno.", "process.", "require("]) {
        if (text.includes(g)) offenders.push(`${f}: uses ${g}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it("core imports only core, types included; store and catalog import only core and themselves; store, http and core never import a runtime adapter", () => {
    const offenders: string[] = [];
    for (const f of files(root)) {
      const layer = f.slice(root.length).split("/")[0]!;
      for (const spec of importsOf(f).filter((s) => s.startsWith("."))) {
        const target = join(f, "..", spec).slice(root.length).split("/")[0]!;
        // The core defines the ports (src/core/ports.ts) that the store implements.
        if (layer === "core" && target !== "core") offenders.push(`${f} -> ${spec}`);
        if (layer === "store" && !["core", "store"].includes(target)) {
          offenders.push(`${f} -> ${spec}`);
        }
        // The catalog (well-known servers, Docker's catalog YAML) is data the edges read.
        if (layer === "catalog" && !["core", "catalog"].includes(target)) {
          offenders.push(`${f} -> ${spec}`);
        }
        if (["store", "http", "core"].includes(layer) && target === "runtime") {
          offenders.push(`${f} -> ${spec}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });

  it("the check itself sees static, type-only and re-export imports", () => {
    const sample =
      'import { readFile } from "node:fs/promises";\nimport type { A } from "../store/a.ts";\nexport { x } from "./x.ts";';
    const found = [...sample.matchAll(STATIC)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(found, [
      "import node:fs/promises",
      "import type ../store/a.ts",
      "export ./x.ts",
    ]);
  });
});
