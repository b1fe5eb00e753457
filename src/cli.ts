/**
 * Entry point of the `mcp-oauth` command.
 *
 * @module
 */
import { main, processIo } from "./cli/main.ts";
import { detectRuntime } from "./runtime/detect.ts";

const code = await main(await detectRuntime(), process.argv.slice(2), processIo());
process.exit(code);
