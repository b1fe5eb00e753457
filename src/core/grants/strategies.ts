/**
 * The grant strategies by kind: the token service looks a server's strategy up here. A
 * strategy file adds itself with one line below (the enterprise IdP's id-jag.ts too).
 *
 * @module
 */
import { clientCredentialsGrant } from "./client-credentials.ts";
import type { GrantConfig, GrantKind, GrantStrategy } from "./grant.ts";
import { idJagGrant } from "./id-jag.ts";
import { jwtBearerGrant } from "./jwt-bearer.ts";

/** Strategies by kind; a kind without an entry is reported as unsupported. */
export type GrantStrategies = Partial<Record<GrantKind, GrantStrategy>>;

/** The built-in strategies. */
export function defaultStrategies(): GrantStrategies {
  return {
    client_credentials: clientCredentialsGrant as GrantStrategy,
    jwt_bearer: jwtBearerGrant as GrantStrategy,
    id_jag: idJagGrant as GrantStrategy,
  };
}

/** The strategy of `grant`, or undefined when none is registered for its kind. */
export function strategyFor(
  strategies: GrantStrategies,
  grant: GrantConfig,
): GrantStrategy | undefined {
  return strategies[grant.kind];
}
