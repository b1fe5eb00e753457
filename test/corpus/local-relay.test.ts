/**
 * Bad-input corpus, relay input (issue 10): what test/http/relay.test.ts's 33 hostile inputs do
 * not cover yet, in-process (the cases live in local-relay-cases.ts; workerd and `deno serve`
 * run them too). Boundaries of the port, nonce and value length; separators, encodings and
 * parameter names a browser or a provider could send; other methods and paths; and inputs the
 * relay forwards, each checked to land only on http://localhost:PORT/callback with the exact
 * Location expected. The relay is stateless, so "the store is unchanged" is vacuous here; the
 * page must never echo the input.
 *
 * @module
 */
import { describe } from "node:test";
import { relayApp } from "../../src/http/relay.ts";
import { relayCorpusCases } from "./local-relay-cases.ts";

const app = relayApp();
const request = (path: string, init?: RequestInit) =>
  app.request(`https://relay.example${path}`, init);

describe("corpus: relay input beyond the 33 of relay.test.ts (issue 10)", () => {
  relayCorpusCases(request);
});
