/**
 * Pick the adapter for the runtime that is running: the one place that asks.
 *
 * @module
 */
import type { Runtime } from "./runtime.ts";

/** The adapter for the current runtime. */
export async function detectRuntime(): Promise<Runtime> {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun) return (await import("./bun.ts")).bunRuntime;
  if (g.Deno) return (await import("./deno.ts")).denoRuntime;
  return (await import("./node.ts")).nodeRuntime;
}
