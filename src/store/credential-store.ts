/**
 * The credential store contract, defined by the core (src/core/ports.ts) and
 * implemented here by the file, helper and memory stores.
 *
 * @module
 */
export type { Credential, CredentialStore } from "../core/ports.ts";
