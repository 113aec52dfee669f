import type { Config } from "../config/definition.ts";

export function realmUrl(config: Pick<Config, "externalHost" | "externalScheme">, subdomain: string): string {
  const host = subdomain ? `${subdomain}.${config.externalHost}` : config.externalHost;
  return `${config.externalScheme}://${host}`;
}
