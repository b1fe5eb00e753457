/** Every command, in the order `help` lists them. @module */
import type { Command } from "../command.ts";
import { add } from "./add.ts";
import { authorize } from "./authorize.ts";
import { call } from "./call.ts";
import { catalogCommand } from "./catalog.ts";
import { completion } from "./completion.ts";
import { config } from "./config.ts";
import { discoverCommand } from "./discover.ts";
import { importCommand } from "./import.ts";
import { ls } from "./ls.ts";
import { refresh } from "./refresh.ts";
import { relay } from "./relay.ts";
import { proxyKey } from "./proxy-key.ts";
import { remove } from "./remove.ts";
import { revoke } from "./revoke.ts";
import { serve } from "./serve.ts";
import { stdio } from "./stdio.ts";
import { token } from "./token.ts";
import { tools } from "./tools.ts";

/** Commands by name. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [
    serve,
    add,
    remove,
    ls,
    discoverCommand,
    authorize,
    token,
    refresh,
    revoke,
    tools,
    call,
    stdio,
    config,
    proxyKey,
    relay,
    importCommand,
    catalogCommand,
    completion,
  ]
    .map((
      c,
    ) => [c.name, c]),
);
