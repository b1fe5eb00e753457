/**
 * Choose the credential store: `--store`, else $MCP_OAUTH_STORE, else the
 * config's "settings.store", else the file store.
 *
 * @module
 */
import type { Settings } from "../store/config-file.ts";
import type { CredentialStore } from "../store/credential-store.ts";
import {
  dockerConfigPath,
  DockerConfigStore,
  hasHelpers,
  readDockerConfig,
} from "../store/docker-config-store.ts";
import { FileStore } from "../store/file-store.ts";
import { HelperStore, type HelperStoreOptions } from "../store/helper-store.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { usageError } from "./args.ts";

/** Open the store named `spec` ("file", "helper:NAME", "docker"). */
export async function openStore(
  command: string,
  spec: string,
  runtime: Runtime,
  home: string,
  settings: Settings,
  env: Record<string, string | undefined>,
  /** Where `spec` came from, for the error: --store, $MCP_OAUTH_STORE or settings.store. */
  source = "--store",
): Promise<CredentialStore> {
  const options = (helper: string): HelperStoreOptions => ({
    maxSecretBytes: settings.helperMaxSecretBytes?.[helper],
    timeoutMs: settings.helperTimeoutMs,
  });
  if (spec === "file") return new FileStore(home);
  if (spec.startsWith("helper:")) {
    const name = spec.slice("helper:".length);
    return new HelperStore(name, runtime.run.bind(runtime), options(name));
  }
  if (spec === "docker") {
    const path = dockerConfigPath(env);
    const config = await readDockerConfig(path);
    // Docker without a helper keeps credentials in config.json itself; ours stay in the file store.
    if (!hasHelpers(config)) return new FileStore(home);
    return new DockerConfigStore(config, runtime.run.bind(runtime), {
      path,
      fallback: new FileStore(home),
      helperOptions: options,
    });
  }
  throw usageError(
    command,
    `unknown ${source} "${spec}"; use file, helper:NAME (e.g. helper:pass) or docker`,
  );
}
