/**
 * `--compat docker` writes Docker's entries into mcp-oauth's credential store. Docker's
 * gateway reads only the helper named by `credsStore` in $HOME/.docker/config.json, so entries
 * in the file store (or routed there) are never seen by it: say so once, naming what to use.
 *
 * @see https://github.com/docker/mcp-gateway/blob/main/pkg/oauth/credhelper_resolver.go
 * @module
 */
import type { CredentialStore } from "../store/credential-store.ts";
import { DockerConfigStore } from "../store/docker-config-store.ts";

/**
 * The warning for Docker's layout kept in `store`, or undefined when the gateway can read it.
 * A named helper (helper:NAME) is taken at its word: it is the person's choice of keychain.
 */
export function dockerStoreWarning(store: CredentialStore): string | undefined {
  const unread = store.name === "file" ||
    (store instanceof DockerConfigStore && !store.credsStore);
  if (!unread) return undefined;
  return `warning: --compat docker writes Docker's entries to the ${store.name} store, which Docker's MCP gateway never reads (it uses the credsStore helper of ~/.docker/config.json); use --store docker with "credsStore" set there, or --store helper:NAME with that helper.`;
}
