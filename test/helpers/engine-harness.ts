/**
 * An engine over memory stores wired to the oidc-provider and MCP fixtures,
 * with a loopback callback listener: the pieces the CLI uses, in-process.
 *
 * @module
 */
import { dockerMirror } from "../../src/store/docker-mirror.ts";
import { createEngine, type Engine, type EngineOptions } from "../../src/core/engine.ts";
import { callbackApp } from "../../src/http/callback-app.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { MemoryRegistry, type ServerDefinition } from "../../src/store/server-registry.ts";
import { listen, type Listening } from "./listen.ts";
import { signIn, type SignInOptions } from "./person.ts";

/** An engine plus a callback listener whose outcomes are recorded. */
export interface Harness {
  engine: Engine;
  store: MemoryStore;
  servers: MemoryRegistry;
  callback: Listening;
  redirectUri: string;
  /** Outcomes of every callback, in order. */
  outcomes: { ok: boolean; message: string }[];
  close(): Promise<void>;
}

/** Create a harness; `options` are passed to createEngine. */
export async function harness(options: Partial<EngineOptions> = {}): Promise<Harness> {
  const store = new MemoryStore();
  const servers = new MemoryRegistry();
  // With Docker's gateway copy, as the CLI has it: compat servers keep it in step.
  const engine = createEngine({ store, servers, docker: dockerMirror(store), ...options });
  const outcomes: Harness["outcomes"] = [];
  const app = callbackApp(async (url) => {
    const outcome = await engine.completeAuthorization(url).then(
      () => ({ ok: true, message: "signed in" }),
      (err: Error) => ({ ok: false, message: err.message }),
    );
    outcomes.push(outcome);
    return outcome;
  });
  const callback = await listen(app.fetch);
  return {
    engine,
    store,
    servers,
    callback,
    redirectUri: `${callback.url}/callback`,
    outcomes,
    close: () => callback.close(),
  };
}

/** Run a whole sign-in for `server` with the scripted person. */
export async function signInServer(
  h: Harness,
  server: ServerDefinition,
  person: SignInOptions = {},
): Promise<{ callbackUrl: string; outcome: { ok: boolean; message: string } }> {
  await h.servers.put(server);
  const d = await h.engine.discover(server);
  const { url } = await h.engine.beginAuthorization(server, d, { redirectUri: h.redirectUri });
  const before = h.outcomes.length;
  const { callbackUrl } = await signIn(url.href, person);
  return { callbackUrl, outcome: h.outcomes[before]! };
}
