import type { Config } from "../config/definition.ts";
import type { Store } from "../db/types.ts";
import type { EventBus } from "../events/bus.ts";
import type { Logger } from "../lib/log.ts";

/** What every action may use. No HTTP, no Request: actions are called from routes, the CLI and jobs alike. */
export interface ActionDeps {
  config: Config;
  store: Store;
  bus: EventBus;
  log: Logger;
  now(): Date;
}
