/**
 * `mcp-oauth completion bash|zsh|fish`: the scripts are generated from the command table and
 * work in the real shells: bash's `complete -p` and its completion function, zsh's parser and
 * compdef, fish's parser and `complete -C`. Server names come from `mcp-oauth ls --json`, here a
 * stand-in `mcp-oauth` on PATH that prints the real command's output.
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { CATALOG } from "../../src/catalog/catalog.ts";
import { loadCommands } from "../../src/cli/commands/index.ts";
import { which } from "../store/pass-env.ts";
import { removeHome, runMain, tempHome } from "./helpers.ts";

const COMMANDS = await loadCommands();

const SHELLS_PACKAGES = "apt-get install zsh fish";

function sh(
  program: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      program,
      args,
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

describe("completion scripts", () => {
  let home: string;
  let bin: string;
  const scripts: Record<string, string> = {};
  const env = () => ({ PATH: `${bin}:${process.env.PATH}` });

  before(async () => {
    const missing = [];
    for (const p of ["bash", "zsh", "fish"]) if (!(await which(p))) missing.push(p);
    if (missing.length) {
      throw new Error(`${missing.join(", ")} not found on PATH; run: ${SHELLS_PACKAGES}`);
    }
    home = await tempHome("mcp-oauth-completion-");
    for (const name of ["alpha", "beta-2"]) {
      const r = await runMain(["add", name, `https://${name}.example/mcp`], { home });
      assert.equal(r.code, 0, r.err.join("\n"));
    }
    const ls = await runMain(["ls", "--json"], { home });
    bin = join(home, "bin");
    await mkdir(bin);
    await writeFile(join(home, "ls.json"), ls.out.join("\n") + "\n");
    await writeFile(
      join(bin, "mcp-oauth"),
      `#!/bin/sh\n[ "$1 $2" = "ls --json" ] && exec cat ${join(home, "ls.json")}\nexit 1\n`,
    );
    await chmod(join(bin, "mcp-oauth"), 0o755);
    for (const shell of ["bash", "zsh", "fish"]) {
      const r = await runMain(["completion", shell], { home });
      assert.equal(r.code, 0, r.err.join("\n"));
      scripts[shell] = join(home, `completion.${shell}`);
      await writeFile(scripts[shell]!, r.out.join("\n") + "\n");
    }
  });
  after(() => removeHome(home));

  it("an unknown shell is a usage error", async () => {
    const r = await runMain(["completion", "tcsh"], { home });
    assert.equal(r.code, 2);
    assert.match(r.err.join("\n"), /no completion for "tcsh"; use bash, zsh or fish/);
  });

  describe("bash", () => {
    /** COMPREPLY after completing the words of `line` (the last one is being typed). */
    async function complete(line: string): Promise<string[]> {
      const words = line.split(" ");
      const script = `source ${scripts.bash}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_mcp_oauth
printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = await sh("bash", ["-c", script], env());
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split("\n").filter(Boolean).sort();
    }

    it("registers with complete -F for mcp-oauth (complete -p)", async () => {
      const r = await sh("bash", ["-c", `source ${scripts.bash} && complete -p mcp-oauth`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "complete -o default -F _mcp_oauth mcp-oauth");
    });

    it("completes every command, and help's topics", async () => {
      const all = await complete("mcp-oauth ");
      for (const name of COMMANDS.keys()) assert.ok(all.includes(name), name);
      assert.ok(all.includes("help"));
      assert.deepEqual(await complete("mcp-oauth re"), ["refresh", "relay", "remove", "revoke"]);
      assert.deepEqual(await complete("mcp-oauth help comp"), ["completion"]);
    });

    it("completes each command's options and the global ones", async () => {
      for (const [name, c] of COMMANDS) {
        const opts = await complete(`mcp-oauth ${name} --`);
        for (const flag of Object.keys(c.options)) assert.ok(opts.includes(`--${flag}`), flag);
        for (const flag of ["--home", "--store", "--help"]) assert.ok(opts.includes(flag), flag);
      }
      assert.deepEqual(await complete("mcp-oauth authorize demo --dev"), ["--device"]);
      assert.deepEqual(await complete("mcp-oauth --"), [
        "--help",
        "--home",
        "--insecure-http",
        "--store",
        "--version",
      ]);
    });

    it("completes option values, skipping them when counting arguments", async () => {
      assert.deepEqual(await complete("mcp-oauth ls --store d"), ["docker"]);
      assert.deepEqual(await complete("mcp-oauth authorize x --compat "), ["docker"]);
      assert.deepEqual(await complete("mcp-oauth authorize x --browser n"), ["none"]);
      assert.deepEqual(await complete("mcp-oauth --store file tok"), ["token"]);
      assert.deepEqual(await complete("mcp-oauth authorize --scopes read "), ["alpha", "beta-2"]);
    });

    it("completes catalog names for add, servers for the rest, shells for completion", async () => {
      assert.deepEqual(
        await complete("mcp-oauth add "),
        CATALOG.map((e) => e.name).sort(),
      );
      assert.deepEqual(await complete("mcp-oauth add no"), ["notion"]);
      assert.deepEqual(await complete("mcp-oauth add notion "), [], "no second catalog name");
      assert.deepEqual(await complete("mcp-oauth token "), ["alpha", "beta-2"]);
      assert.deepEqual(await complete("mcp-oauth call b"), ["beta-2"]);
      assert.deepEqual(await complete("mcp-oauth completion "), ["bash", "fish", "zsh"]);
      assert.deepEqual(await complete("mcp-oauth import d"), ["docker", "docker-catalog"]);
    });
  });

  describe("zsh", () => {
    it("parses, and compinit + source registers _mcp-oauth for mcp-oauth", async () => {
      const n = await sh("zsh", ["-n", scripts.zsh!]);
      assert.equal(n.code, 0, n.stderr);
      const r = await sh("zsh", [
        "-f",
        "-c",
        `autoload -U compinit && compinit -u -d ${home}/zcompdump && source ${scripts.zsh} && print -r -- $_comps[mcp-oauth]`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "_mcp-oauth");
    });

    it("lists every command with its summary", async () => {
      const text = await (await import("node:fs/promises")).readFile(scripts.zsh!, "utf8");
      for (const c of COMMANDS.values()) {
        assert.ok(text.includes(`'${c.name}:${c.summary.replace(/'/g, `'\\''`)}'`), c.name);
      }
    });
  });

  describe("fish", () => {
    async function complete(line: string): Promise<string[]> {
      const r = await sh(
        "fish",
        ["--no-config", "-c", `source ${scripts.fish}; complete -C '${line}'`],
        env(),
      );
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]!).sort();
    }

    it("parses", async () => {
      const r = await sh("fish", ["--no-execute", scripts.fish!]);
      assert.equal(r.code, 0, r.stderr);
    });

    it("completes commands, options, values, catalog and server names", async () => {
      const all = await complete("mcp-oauth ");
      for (const name of COMMANDS.keys()) assert.ok(all.includes(name), name);
      assert.deepEqual(await complete("mcp-oauth add --sc"), ["--scopes"]);
      assert.deepEqual(await complete("mcp-oauth authorize x --compat "), ["docker"]);
      assert.deepEqual(await complete("mcp-oauth add li"), ["linear"]);
      assert.deepEqual(await complete("mcp-oauth token "), ["alpha", "beta-2"]);
      assert.deepEqual(await complete("mcp-oauth token alpha "), [], "one server only");
      assert.deepEqual(await complete("mcp-oauth completion z"), ["zsh"]);
    });
  });
});
