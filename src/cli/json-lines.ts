/**
 * The stdio framing of MCP: one JSON-RPC message per line, UTF-8, no embedded
 * newlines. Small enough to own, so the stdio bridge needs no MCP server SDK.
 *
 * @module
 */
import type { Readable, Writable } from "node:stream";

/**
 * Call `onMessage` with each JSON value read from `input`, line by line, until
 * it ends or closes; a line that is not JSON goes to `onInvalid` instead.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/stdio
 */
export function readJsonLines(
  input: Readable,
  onMessage: (message: unknown) => void,
  onInvalid: (line: string) => void,
): Promise<void> {
  return new Promise((resolve) => {
    const decoder = new TextDecoder();
    let buffered = "";
    const take = (line: string) => {
      const text = line.endsWith("\r") ? line.slice(0, -1) : line;
      if (!text.trim()) return;
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        onInvalid(text);
        return;
      }
      onMessage(message);
    };
    input.on("data", (chunk: Uint8Array | string) => {
      buffered += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        take(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      take(buffered + decoder.decode());
      resolve();
    };
    // A client that quits only closes the pipe: both events end the bridge, or it lingers.
    input.once("end", end);
    input.once("close", end);
  });
}

/**
 * Write `message` to `output` as one line; resolves once the stream can take more.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/stdio
 */
export function writeJsonLine(output: Writable, message: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    // JSON.stringify never emits a raw newline, so a message is always one line.
    const ready = output.write(`${JSON.stringify(message)}\n`, (err) => err && reject(err));
    if (ready) resolve();
    else output.once("drain", () => resolve());
  });
}
