/**
 * A credential store backed by any Docker credential helper program
 * (`docker-credential-NAME store|get|erase|list`, JSON on stdin/stdout),
 * spawned through the runtime adapter. Secrets larger than the helper's
 * limit are split over several entries.
 *
 * @see https://github.com/docker/docker-credential-helpers#development
 * @module
 */
import { ErrorCode, McpOAuthError, oneLine } from "../core/errors.ts";
import type { Credential, CredentialStore } from "./credential-store.ts";

/** Runs a program without a shell; the shape of Runtime.run. */
export type RunProcess = (
  argv: string[],
  options: { stdin?: string; timeoutMs?: number },
) => Promise<{ code: number; stdout: string; stderr: string; timedOut?: boolean }>;

/** Options of {@link HelperStore}. */
export interface HelperStoreOptions {
  /** Give up on a helper call after this many ms (default 15 s: gpg may prompt). */
  timeoutMs?: number;
  /** Largest secret one entry may hold, in UTF-8 bytes; larger ones are split. */
  maxSecretBytes?: number;
}

/** Known per-helper secret limits (Windows Credential Manager caps a blob at 2560 bytes). */
export const DEFAULT_MAX_SECRET_BYTES: Record<string, number> = { wincred: 2560 };

/** Where each helper comes from, for the "not installed" message. */
const PACKAGES: Record<string, string> = {
  pass: "Debian/Ubuntu: apt install golang-docker-credential-helpers pass",
  secretservice: "Debian/Ubuntu: apt install golang-docker-credential-helpers",
  osxkeychain: "macOS: brew install docker-credential-helper",
  wincred: "Windows: the docker-credential-helpers release, or Docker Desktop",
  desktop: "Docker Desktop",
  "ecr-login": "amazon-ecr-credential-helper",
};

const SPLIT = "mcp-oauth-split:1:";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Credentials kept by `docker-credential-<helper>`. */
export class HelperStore implements CredentialStore {
  readonly name: string;
  readonly program: string;
  readonly #run: RunProcess;
  readonly #timeoutMs: number;
  readonly #max: number;

  constructor(helper: string, run: RunProcess, options: HelperStoreOptions = {}) {
    if (!NAME.test(helper)) {
      throw new McpOAuthError(
        ErrorCode.USAGE,
        `"${helper}" is not a credential helper name; use e.g. helper:pass or helper:osxkeychain.`,
      );
    }
    this.name = `helper:${helper}`;
    this.program = `docker-credential-${helper}`;
    this.#run = run;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    const max = options.maxSecretBytes ?? ownValue(DEFAULT_MAX_SECRET_BYTES, helper) ?? Infinity;
    // The limit comes from config.json: anything but a number of at least 4 bytes is refused.
    if (typeof max !== "number" || !(max >= 4)) {
      throw new McpOAuthError(
        ErrorCode.STORE_FAILED,
        `The secret size limit of helper:${helper} must be a number of bytes, at least 4, not ${
          oneLine(typeof max === "number" ? String(max) : JSON.stringify(max) ?? typeof max, 40)
        }; fix "helperMaxSecretBytes" in the settings of config.json.`,
      );
    }
    this.#max = max;
  }

  async get(serverURL: string): Promise<Credential | undefined> {
    const head = await this.#get(serverURL);
    if (!head || !head.Secret.startsWith(SPLIT)) return head;
    const { gen, count } = parseSplit(head.Secret, this.program, serverURL);
    const parts = await Promise.all(
      Array.from({ length: count }, (_, i) => this.#get(partKey(serverURL, gen, i))),
    );
    if (parts.some((p) => !p)) {
      throw this.#error(
        "get",
        `the secret for ${serverURL} is split over ${count} entries and some are missing; run "mcp-oauth revoke" and sign in again.`,
      );
    }
    return { ...head, Secret: parts.map((p) => p!.Secret).join("") };
  }

  async store(credential: Credential): Promise<void> {
    const pieces = splitUtf8(credential.Secret, this.#max);
    const previous = await this.#get(credential.ServerURL).catch(() => undefined);
    if (pieces.length === 1) {
      await this.#store(credential);
    } else {
      // Parts first, then the head that points at them: a failure leaves the old entry whole.
      const gen = crypto.randomUUID().slice(0, 8);
      const written: string[] = [];
      try {
        for (const [i, piece] of pieces.entries()) {
          const key = partKey(credential.ServerURL, gen, i);
          await this.#store({ ServerURL: key, Username: credential.Username, Secret: piece });
          written.push(key);
        }
        await this.#store({ ...credential, Secret: `${SPLIT}${gen}:${pieces.length}` });
      } catch (err) {
        await Promise.all(written.map((k) => this.#erase(k).catch(() => {})));
        throw err;
      }
    }
    if (previous?.Secret.startsWith(SPLIT)) {
      await this.#eraseParts(credential.ServerURL, previous.Secret).catch(() => {});
    }
  }

  async erase(serverURL: string): Promise<void> {
    const head = await this.#get(serverURL);
    if (!head) return;
    await this.#erase(serverURL);
    if (head.Secret.startsWith(SPLIT)) await this.#eraseParts(serverURL, head.Secret);
  }

  async list(): Promise<Record<string, string>> {
    const out = await this.#call("list");
    const parsed = this.#json(out, "list");
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw this.#error("list", "returned output that is not a JSON object");
    }
    return Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).filter(([k, v]) =>
        typeof v === "string" && !k.includes("/.mcp-oauth-part/")
      ),
    ) as Record<string, string>;
  }

  async #eraseParts(serverURL: string, head: string): Promise<void> {
    const { gen, count } = parseSplit(head, this.program, serverURL);
    await Promise.all(
      Array.from({ length: count }, (_, i) => this.#erase(partKey(serverURL, gen, i))),
    );
  }

  async #get(serverURL: string): Promise<Credential | undefined> {
    const out = await this.#call("get", serverURL, true);
    if (out === undefined) return undefined;
    const parsed = this.#json(out, "get") as Partial<Credential> | null;
    if (!parsed || typeof parsed !== "object" || typeof parsed.Secret !== "string") {
      throw this.#error(
        "get",
        "returned output that is not a credential ({ServerURL, Username, Secret})",
      );
    }
    // Some versions (pass 0.6.4) answer an unknown key with an empty record and exit 0.
    if (parsed.Secret === "" && !parsed.Username) return undefined;
    // A Username that is not a string (an object with a "toString" key, say) reads as none.
    const username = typeof parsed.Username === "string" ? parsed.Username : "";
    return { ServerURL: serverURL, Username: username, Secret: parsed.Secret };
  }

  async #store(credential: Credential): Promise<void> {
    try {
      await this.#call("store", JSON.stringify(credential), false, credential.Secret);
    } catch (err) {
      // A helper may die or time out after it saved (killed on its way out): believe what it holds.
      const held = await this.#get(credential.ServerURL).catch(() => undefined);
      if (held?.Secret === credential.Secret && held.Username === credential.Username) return;
      throw err;
    }
  }

  async #erase(serverURL: string): Promise<void> {
    try {
      await this.#call("erase", serverURL, true);
    } catch (err) {
      // Likewise a helper that erased, then failed: the entry is gone, which is what was asked.
      let gone = false;
      try {
        gone = (await this.#get(serverURL)) === undefined;
      } catch { /* still failing: report the erase */ }
      if (!gone) throw err;
    }
  }

  /**
   * Run one helper action. Resolves to stdout, or undefined when the helper
   * said "not found" and `absentOk` is set. A helper that repeats the `secret`
   * it was sent in its error message does not get it shown (RFC 6750 §5.3).
   */
  async #call(
    action: string,
    stdin?: string,
    absentOk = false,
    secret?: string,
  ): Promise<string | undefined> {
    let result;
    try {
      result = await this.#run([this.program, action], {
        stdin: stdin ?? "",
        timeoutMs: this.#timeoutMs,
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENOENT") {
        const hint = ownValue(PACKAGES, this.program.slice("docker-credential-".length));
        throw this.#error(
          action,
          `is not installed or not on PATH${hint ? ` (${hint})` : ""}`,
          ErrorCode.STORE_FAILED,
          err,
        );
      }
      throw this.#error(
        action,
        `could not be started (${oneLine(String((err as Error).message ?? err), 120)})`,
        ErrorCode.STORE_FAILED,
        err,
      );
    }
    const text = redact(`${result.stdout}\n${result.stderr}`.trim(), secret);
    if (result.code === 0) return result.stdout;
    if (result.timedOut) {
      throw this.#error(
        action,
        `did not answer within ${
          this.#timeoutMs / 1000
        } s; check that it is not waiting for a password prompt (gpg-agent, keychain)`,
      );
    }
    if (
      /credentials not found|could not be found|element not found|is not in the password store/i
        .test(text)
    ) {
      if (absentOk) return undefined;
    }
    throw this.#error(
      action,
      `failed (exit ${result.code}): ${oneLine(gist(text) || "no message", 160)}${hintFor(text)}`,
    );
  }

  #json(out: string | undefined, action: string): unknown {
    try {
      return JSON.parse(out ?? "");
    } catch {
      throw this.#error(action, "returned output that is not valid JSON");
    }
  }

  #error(
    action: string,
    problem: string,
    code: typeof ErrorCode[keyof typeof ErrorCode] = ErrorCode.STORE_FAILED,
    cause?: unknown,
  ): McpOAuthError {
    return new McpOAuthError(
      code,
      `The credential helper ${this.program} ${action ? `(${action}) ` : ""}${problem}`,
      { cause },
    );
  }
}

/**
 * `text` without `secret`: the secret itself, as it reads inside JSON, and each token or
 * client secret it holds when it is a record (RFC 6750 §5.3).
 */
function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  const values = [secret, JSON.stringify(secret).slice(1, -1)];
  try {
    const record = JSON.parse(secret) as Record<string, unknown>;
    for (const key of ["access_token", "refresh_token", "id_token", "client_secret"]) {
      const v = record?.[key];
      if (typeof v === "string" && v.length >= 4) values.push(v);
    }
  } catch { /* not a record */ }
  // Longest first, so a token inside the whole secret does not break up its match.
  for (const v of values.sort((a, b) => b.length - a.length)) {
    text = text.split(v).join("[secret]");
  }
  return text;
}

/** `record[key]` when it is the record's own ("constructor" is no helper). */
function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * The telling part of a helper's output: for a crash with a stack trace, its "Error: …" line
 * (not the source path and code excerpt that come first); otherwise all of it.
 */
function gist(text: string): string {
  if (!/^\s+at /m.test(text)) return text;
  const line = text.split("\n").find((l) => /^\w*Error\b/.test(l));
  return (line ?? text).trim();
}

/** What to do about the common helper failures. */
function hintFor(text: string): string {
  if (
    /pass not initiali[sz]ed|password store is empty|try "?pass init"?|is not initiali[sz]ed/i.test(
      text,
    )
  ) {
    return '; initialise pass first: gpg --quick-gen-key "you@example.com", then pass init <that key id>';
  }
  if (/no public key|no secret key|decryption failed|gpg: /i.test(text)) {
    return "; gpg could not use the key of your password store: check `gpg --list-secret-keys` and `pass init`";
  }
  if (/user interaction is not allowed|keychain is locked|locked collection/i.test(text)) {
    return "; unlock your keychain (log in to the desktop session), then retry";
  }
  if (/d-?bus|secret service|org\.freedesktop/i.test(text)) {
    return "; no Secret Service is reachable: start a desktop session with gnome-keyring, or use --store helper:pass";
  }
  return "";
}

function partKey(serverURL: string, gen: string, i: number): string {
  return `${serverURL.replace(/[?#].*$/, "").replace(/\/+$/, "")}/.mcp-oauth-part/${gen}/${i}`;
}

function parseSplit(
  head: string,
  program: string,
  serverURL: string,
): { gen: string; count: number } {
  const [gen, count] = head.slice(SPLIT.length).split(":");
  const n = Number(count);
  if (!gen || !Number.isInteger(n) || n < 1 || n > 1000) {
    throw new McpOAuthError(
      ErrorCode.STORE_FAILED,
      `The entry ${serverURL} in ${program} is a damaged split secret; run "mcp-oauth revoke" and sign in again.`,
    );
  }
  return { gen, count: n };
}

/** Split `text` into pieces of at most `max` UTF-8 bytes, never inside a character. */
export function splitUtf8(text: string, max: number): string[] {
  const encoder = new TextEncoder();
  if (!Number.isFinite(max) || encoder.encode(text).length <= max) return [text];
  if (max < 4) throw new RangeError("maxSecretBytes must be at least 4");
  const pieces: string[] = [];
  let piece = "";
  let size = 0;
  for (const ch of text) {
    const n = encoder.encode(ch).length;
    if (size + n > max) {
      pieces.push(piece);
      piece = "";
      size = 0;
    }
    piece += ch;
    size += n;
  }
  if (piece) pieces.push(piece);
  return pieces;
}
