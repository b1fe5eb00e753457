/**
 * In-process access to the scripted person (see person.mjs, which is also the CLI used as a
 * "browser" command: `node test/helpers/person.mjs <authorizationUrl>`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";

export { signIn } from "./person.mjs";
export type { SignInOptions, SignInResult } from "./person.mjs";

/** Absolute path of the CLI script, for use as a browser command. */
export const PERSON_SCRIPT: string = fileURLToPath(new URL("./person.mjs", import.meta.url));
