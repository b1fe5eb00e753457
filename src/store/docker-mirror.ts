/**
 * The core's Docker port (core/ports.ts DockerMirrorPort) over a credential
 * store: the gateway's entries, read and written in its own layout
 * (docker-compat.ts), in the same store as mcp-oauth's.
 *
 * @module
 */
import type { CredentialStore, DockerMirrorPort } from "../core/ports.ts";
import {
  DOCKER_REDIRECT_URI,
  eraseDockerMirror,
  mirrorToDocker,
  newerDockerToken,
} from "./docker-compat.ts";

/**
 * Docker's MCP gateway's copy of tokens in `store`.
 * @see https://github.com/docker/mcp-gateway
 */
export function dockerMirror(store: CredentialStore): DockerMirrorPort {
  return {
    redirectUri: DOCKER_REDIRECT_URI,
    newer: (server, ours, now) => newerDockerToken(store, server, ours, now),
    mirror: (server, record, client) => mirrorToDocker(store, server, record, client),
    erase: (server, record) => eraseDockerMirror(store, server, record),
  };
}
