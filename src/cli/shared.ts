import { loadConfig, ensureSecrets } from "../config/load.ts";
import type { Config } from "../config/definition.ts";
import { openStore } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { EventBus } from "../events/bus.ts";
import { createLogger } from "../lib/log.ts";
import type { ActionDeps } from "../actions/deps.ts";
import type { ParsedArgs } from "./args.ts";

/** The database of a one-shot CLI command (small pool; no process lock: a server may be running). */
export function openCliStore(config: Config) {
  return openStore({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    sslmode: config.databaseSslmode,
    poolSize: 2,
    sqliteSynchronous: config.sqliteSynchronous as "NORMAL" | "FULL",
  });
}

export function configFromArgs(args: ParsedArgs): Config {
  return loadConfig({ flags: args.flags as Record<string, string | boolean> });
}

/**
 * Action dependencies for a one-shot CLI command: the database (migrated, so commands
 * work on a fresh install before the first `serve`), a bus with no listeners (a running
 * server reads the database, not this process's events), and logs on stderr.
 */
export async function cliDeps(args: ParsedArgs, opts: { migrate?: boolean } = {}): Promise<ActionDeps & { close(): Promise<void> }> {
  const config = ensureSecrets(configFromArgs(args));
  const log = createLogger({ level: "warn", format: "pretty", write: (l) => process.stderr.write(l + "\n") });
  const store = await openCliStore(config);
  try {
    if (opts.migrate !== false) await migrate(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  return { config, store, bus: new EventBus(), log, now: () => new Date(), close: () => store.close() };
}
