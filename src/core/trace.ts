/**
 * A step-by-step record of discovery and registration, for `discover`, the
 * dashboard and the benchmarks. It holds URLs, statuses and what was learnt,
 * never a secret (RFC 6750 §5.3).
 *
 * @module
 */

import { oneLine } from "./errors.ts";

/** What a step was for. */
export type TraceKind = "probe" | "prm" | "as-metadata" | "registration" | "fallback";

/** One request (or one decision) during discovery. */
export interface TraceStep {
  kind: TraceKind;
  /** Sequential round: steps with the same round ran in parallel. */
  round: number;
  method: "GET" | "POST" | "-";
  url: string;
  /** HTTP status, absent when the request failed before an answer. */
  status?: number;
  /** Milliseconds since the trace began when the step started, and its duration. */
  startMs: number;
  ms: number;
  /** `used`: this answer was chosen; `ignored`: valid but a preferred one won; `failed`. */
  outcome: "used" | "ignored" | "failed" | "info";
  /** One line: what was learnt, or why it failed. */
  detail: string;
}

/** Collects steps; `time()` wraps one request. */
export class Trace {
  readonly steps: TraceStep[] = [];
  readonly #t0: number;
  constructor(readonly clock: () => number = () => performance.now()) {
    this.#t0 = clock();
  }

  /** Record a step that started at `started` (a clock reading). */
  add(step: Omit<TraceStep, "startMs" | "ms">, started: number): TraceStep {
    const now = this.clock();
    // URLs and details quote what servers sent: keep them to one printable line.
    const full = {
      ...step,
      url: oneLine(step.url, 2000),
      detail: oneLine(step.detail, 1000),
      startMs: round1(started - this.#t0),
      ms: round1(now - started),
    };
    this.steps.push(full);
    return full;
  }

  /** Number of sequential rounds of network requests. */
  get rounds(): number {
    return Math.max(0, ...this.steps.filter((s) => s.method !== "-").map((s) => s.round));
  }

  /** Number of network requests. */
  get requests(): number {
    return this.steps.filter((s) => s.method !== "-").length;
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
