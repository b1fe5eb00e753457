/**
 * Open a URL in a browser: `--browser CMD`, else $BROWSER, else the
 * platform's opener. Always an argument vector, never a shell (RFC 8252 §8.1).
 *
 * @module
 */
import { ErrorCode, McpOAuthError, oneLine } from "../core/errors.ts";
import type { Runtime } from "./runtime.ts";

/**
 * Split a command line into words, honouring single and double quotes, so
 * `--browser "open -a Firefox"` works without a shell.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote: string | undefined;
  let inWord = false;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) {
    throw new McpOAuthError(
      ErrorCode.USAGE,
      `The browser command ${
        oneLine(JSON.stringify(command), 80)
      } has an unbalanced ${quote}; fix --browser or $BROWSER (or use --browser none).`,
    );
  }
  if (inWord) words.push(word);
  return words;
}

/** The argument vector that opens `url`: a "%s" in the command is replaced, else the URL is appended. */
export function browserArgv(
  url: string,
  command: string | undefined,
  platform: string = process.platform,
): string[] {
  if (command) {
    const words = splitCommand(command);
    if (!words.length) {
      throw new McpOAuthError(
        ErrorCode.USAGE,
        "The browser command is empty; give --browser a program, or none.",
      );
    }
    return words.some((w) => w.includes("%s"))
      // A function, not a string: "$&", "$$" or "$'" in the URL must not act as patterns.
      ? words.map((w) => w.replaceAll("%s", () => url))
      : [...words, url];
  }
  if (platform === "darwin") return ["open", url];
  // rundll32 takes the URL as one argument; `cmd /c start` would parse & and ^.
  if (platform === "win32") return ["rundll32", "url.dll,FileProtocolHandler", url];
  return ["xdg-open", url];
}

/**
 * `url` parsed, when a browser may be sent there: only http(s) URLs; the engine has already
 * refused any other scheme, this is the last guard. Throws INVALID_URL or INSECURE_URL.
 */
export function openableUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new McpOAuthError(
      ErrorCode.INVALID_URL,
      `refusing to open "${oneLine(url, 80)}": it is not an absolute URL`,
    );
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new McpOAuthError(ErrorCode.INSECURE_URL, `refusing to open a ${parsed.protocol} URL`);
  }
  return parsed;
}

/**
 * Launch the browser for `url` (checked by {@link openableUrl}). `command` "none" opens
 * nothing. Resolves to a one-line problem, if any.
 */
export async function openBrowser(
  runtime: Runtime,
  url: string,
  command: string | undefined,
  onFailure: (message: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const parsed = openableUrl(url);
  if (command === "none") return;
  // The browser gets the URL as parsed (no padding or control characters), never the raw text.
  const argv = browserArgv(parsed.href, command ?? (env.BROWSER || undefined));
  try {
    await runtime.launch(argv, (code, stderr) => {
      if (code !== 0) {
        const last = stderr.trim().split("\n").pop() ?? "";
        onFailure(
          `The browser command ${argv[0]} exited with ${code}${
            last ? ` (${last.slice(0, 200)})` : ""
          }; open the URL yourself.`,
        );
      }
    });
  } catch (err) {
    onFailure(
      `Could not start the browser command ${argv[0]} (${
        (err as Error).message
      }); open the URL yourself.`,
    );
  }
}
