/**
 * Properties of the command line (issue 10): for every command, any argument vector is parsed
 * into values of the declared types with an allowed number of positionals, or refused with a
 * one-line usage error (exit 2), never an uncaught TypeError; whole `main()` runs that cannot
 * parse end in exit 2 with one "mcp-oauth:" line.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { GLOBAL_OPTIONS, int, type OptionSpec, parseCommandArgs } from "../../src/cli/args.ts";
import type { Command } from "../../src/cli/command.ts";
import { loadCommands } from "../../src/cli/commands/index.ts";
import { ErrorCode } from "../../src/core/errors.ts";
import { removeHome, runMain, tempHome } from "../cli/helpers.ts";
import { anyString, settle } from "./props-helpers.ts";

const RUNS = 2000;

let commands: Command[] = [];
let home: string;
before(async () => {
  commands = [...(await loadCommands()).values()];
  home = await tempHome("mcp-oauth-props-");
});
after(() => removeHome(home));

/** One argument: an option of the command (with or without a value), a value, or junk. */
function argument(options: Record<string, OptionSpec>): fc.Arbitrary<string> {
  const names = Object.keys({ ...GLOBAL_OPTIONS, ...options });
  const shorts = Object.values({ ...GLOBAL_OPTIONS, ...options }).flatMap((o) =>
    o.short ? [o.short] : []
  );
  const value = fc.oneof(
    fc.constantFrom("", "-", "-1", "0", "7777", "65536", "none", "https://mcp.example/mcp"),
    anyString,
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names).map((n) => `--${n}`) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...names), value).map(([n, v]) => `--${n}=${v}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(...shorts, "x", "hx").map((s) => `-${s}`) },
    { weight: 3, arbitrary: value },
    { weight: 1, arbitrary: fc.constantFrom("--", "---", "--=", "--no-help", "-", "--HOME") },
  );
}

describe("command line: properties (issue 10)", () => {
  it(`every command: any argv is parsed into declared types or refused as usage (${RUNS} runs)`, () => {
    const cases = fc.nat().chain((i) => {
      const command = commands[i % commands.length]!;
      return fc.tuple(
        fc.constant(command),
        fc.array(argument(command.options), { maxLength: 8 }),
      );
    });
    let parsed = 0;
    fc.assert(
      fc.property(cases, ([command, argv]) => {
        const r = settle(
          () => parseCommandArgs(command.name, argv, command.options, command.positionals),
          [ErrorCode.USAGE],
        );
        if (!r.ok) {
          assert.match(r.error.message, /see "mcp-oauth help /, "points at the help");
          return true;
        }
        parsed++;
        const specs = { ...GLOBAL_OPTIONS, ...command.options };
        for (const [name, v] of Object.entries(r.value.values)) {
          const spec = specs[name];
          assert.ok(spec, `only declared options: ${name}`);
          if (v === undefined) continue;
          const one = (x: unknown) =>
            assert.equal(typeof x, spec.type, `--${name} is a ${spec.type}`);
          if (spec.multiple) (v as unknown[]).forEach(one);
          else one(v);
        }
        if (!r.value.values.help) {
          const n = r.value.positionals.length;
          assert.ok(n >= command.positionals.min && n <= command.positionals.max, `${n}`);
        }
        return true;
      }),
      { numRuns: RUNS },
    );
    assert.ok(parsed >= RUNS / 20, `enough argument vectors parsed (${parsed})`);
  });

  it(`a whole number option is exactly the digits within its range, else a usage error (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -10, max: 70_000 }).map(String),
          anyString,
          fc.constantFrom("", " 1", "1 ", "0x10", "1e3", "+1", "01", "1.0", "٣"),
        ),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 70_000 }),
        (text, min, span) => {
          const max = min + span;
          const r = settle(
            () => int("test", { values: { port: text }, positionals: [] }, "port", min, max),
            [ErrorCode.USAGE],
          );
          const expected = /^[0-9]+$/.test(text) && Number(text) >= min && Number(text) <= max;
          assert.equal(r.ok, expected, text);
          if (r.ok) assert.equal(r.value, Number(text));
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("main(): an argv that cannot parse exits 2 with one mcp-oauth line (300 runs)", async () => {
    const argv = fc.oneof(
      // A real command with an unknown option first, so no command ever runs.
      fc.tuple(
        fc.array(fc.constantFrom("--insecure-http", "--home=/nonexistent", "--store=file"), {
          maxLength: 2,
        }),
        fc.nat(),
        fc.array(fc.oneof(anyString, fc.constantFrom("--json", "--", "-h")), { maxLength: 4 }),
      ).map(([globals, i, rest]) => [
        ...globals,
        commands[i % commands.length]!.name,
        "--zz-not-an-option",
        ...rest,
      ]),
      // Not a command at all.
      fc.tuple(anyString.filter((s) => !commands.some((c) => c.name === s)), fc.array(anyString))
        .filter(([s]) => !["help", "--help", "-h", "--version", "-v", ""].includes(s))
        .map(([s, rest]) => [s, ...rest]),
      // A leading global option without its value.
      fc.constantFrom("--home", "--store").map((flag) => [flag]),
    );
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const r = await runMain(args, { home });
        assert.equal(r.code, 2, `exit 2 for ${JSON.stringify(args)}: ${r.err.join("")}`);
        assert.deepEqual(r.out, [], "nothing on stdout");
        const text = r.err.join("").trimEnd();
        assert.match(text, /^mcp-oauth: /);
        assert.doesNotMatch(text, /\n/, "one line");
        assert.doesNotMatch(text, /unexpected error/);
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
