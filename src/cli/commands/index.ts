/**
 * Every command, in the order `help` lists them. Each is loaded only when it
 * runs: `token` should not pay for parsing the dashboard, the catalog reader
 * or the completion generator.
 *
 * @module
 */
import type { Command } from "../command.ts";

const LOADERS: readonly (readonly [string, () => Promise<Command>])[] = [
  ["serve", async () => (await import("./serve.ts")).serve],
  ["add", async () => (await import("./add.ts")).add],
  ["idp", async () => (await import("./idp.ts")).idp],
  ["remove", async () => (await import("./remove.ts")).remove],
  ["ls", async () => (await import("./ls.ts")).ls],
  ["discover", async () => (await import("./discover.ts")).discoverCommand],
  ["authorize", async () => (await import("./authorize.ts")).authorize],
  ["token", async () => (await import("./token.ts")).token],
  ["refresh", async () => (await import("./refresh.ts")).refresh],
  ["revoke", async () => (await import("./revoke.ts")).revoke],
  ["tools", async () => (await import("./tools.ts")).tools],
  ["call", async () => (await import("./call.ts")).call],
  ["stdio", async () => (await import("./stdio.ts")).stdio],
  ["config", async () => (await import("./config.ts")).config],
  ["proxy-key", async () => (await import("./proxy-key.ts")).proxyKey],
  ["relay", async () => (await import("./relay.ts")).relay],
  ["import", async () => (await import("./import.ts")).importCommand],
  ["catalog", async () => (await import("./catalog.ts")).catalogCommand],
  ["completion", async () => (await import("./completion.ts")).completion],
];

const BY_NAME = new Map(LOADERS);

/** The command names, in help order. */
export const COMMAND_NAMES: readonly string[] = LOADERS.map(([name]) => name);

/** Load one command; undefined for an unknown name. */
export function loadCommand(name: string): Promise<Command> | undefined {
  return BY_NAME.get(name)?.();
}

/** Load every command (for help and completion), by name in help order. */
export async function loadCommands(): Promise<ReadonlyMap<string, Command>> {
  const commands = await Promise.all(LOADERS.map(([, load]) => load()));
  return new Map(commands.map((c) => [c.name, c]));
}
