/**
 * A throwaway password store for tests against the real docker-credential-pass: a temporary
 * GNUPGHOME (mode 0700) with a passphrase-less key made for the test, and a temporary
 * PASSWORD_STORE_DIR initialised with it. Missing tools are a failure, never a skip.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { access, chmod, constants, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";

/** What CI installs (.ci/run) and what the failure message tells a person to install. */
export const PASS_PACKAGES = "apt-get install pass gnupg golang-docker-credential-helpers";

/** A password store made for one test file. */
export interface PassStore {
  /** GNUPGHOME and PASSWORD_STORE_DIR for every process that touches the store. */
  env: { GNUPGHOME: string; PASSWORD_STORE_DIR: string };
  /** Fingerprint of the throwaway key. */
  fingerprint: string;
  /** Run a program with `env` (or `other`) added; resolves with its exit code and output. */
  exec(
    argv: string[],
    stdin?: string,
    other?: PassStore["env"],
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `docker-credential-pass list`, raw (split parts included), of this store or `other`. */
  rawList(other?: PassStore["env"]): Promise<Record<string, string>>;
  /** `docker-credential-pass get` of `key`: the Secret, or undefined when pass has none. */
  rawGet(key: string, other?: PassStore["env"]): Promise<string | undefined>;
  /** Another password store with the same key, in a folder of its own. */
  another(name: string): Promise<PassStore["env"]>;
  /** Stop the gpg-agent of GNUPGHOME and delete everything. */
  remove(): Promise<void>;
}

/** Where `program` is on PATH, or undefined. */
export async function which(program: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const path = join(dir, program);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch { /* next */ }
  }
  return undefined;
}

/** Throws, naming the packages, unless pass, gpg and docker-credential-pass are installed. */
export async function requirePassTools(): Promise<void> {
  const missing: string[] = [];
  for (const p of ["pass", "gpg", "docker-credential-pass"]) if (!(await which(p))) missing.push(p);
  if (missing.length) {
    throw new Error(
      `${
        missing.join(", ")
      } not found on PATH: these tests need the real docker-credential-pass; run: ${PASS_PACKAGES}`,
    );
  }
}

function run(
  argv: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        if (err && typeof code !== "number") return reject(err);
        resolve({ code: typeof code === "number" ? code : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? "");
  });
}

/** Make a key and a password store for it (takes about a second). */
export async function makePassStore(): Promise<PassStore> {
  await requirePassTools();
  const root = await mkdtemp(join(tmpdir(), "mcp-oauth-pass-"));
  const env = { GNUPGHOME: join(root, "gnupg"), PASSWORD_STORE_DIR: join(root, "store") };
  await mkdir(env.GNUPGHOME, { mode: 0o700 });
  await chmod(env.GNUPGHOME, 0o700);
  const exec = (argv: string[], stdin?: string, other?: PassStore["env"]) =>
    run(argv, other ?? env, stdin);
  const must = async (argv: string[], other?: PassStore["env"], stdin?: string) => {
    const r = await exec(argv, stdin, other);
    if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };
  await must([
    "gpg",
    "--batch",
    "--passphrase",
    "",
    "--quick-gen-key",
    "mcp-oauth-test@example.invalid",
    "default",
    "default",
    "never",
  ]);
  const colons = await must(["gpg", "--batch", "--list-secret-keys", "--with-colons"]);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in gpg --list-secret-keys:\n${colons}`);
  await must(["pass", "init", fingerprint]);
  return {
    env,
    fingerprint,
    exec,
    async rawList(other) {
      return JSON.parse(await must(["docker-credential-pass", "list"], other));
    },
    async rawGet(key, other) {
      const out = await must(["docker-credential-pass", "get"], other, key);
      const secret = (JSON.parse(out) as { Secret: string }).Secret;
      return secret === "" ? undefined : secret;
    },
    async another(name) {
      const other = { ...env, PASSWORD_STORE_DIR: join(root, name) };
      await must(["pass", "init", fingerprint], other);
      return other;
    },
    async remove() {
      await exec(["gpgconf", "--kill", "gpg-agent"]).catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Set `vars` in process.env (children started without an explicit environment inherit it) and
 * return a function that restores the previous values.
 */
export function setEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
