// The composition root: opens the store, migrates, wires the bus, the HTTP app and the
// subsystems, and owns the start/stop lifecycle. `hearth serve`, the tests and the
// benchmarks all build the server through createApp.
import type { Server } from "bun";
import type { Config } from "../config/definition.ts";
import { openStore } from "../db/client.ts";
import { migrate, migrationStatus } from "../db/migrate.ts";
import type { Store } from "../db/types.ts";
import { EventBus } from "../events/bus.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import { createHttpApp, type HttpApp, type HttpOptions } from "../http/app.ts";
import type { HttpDeps } from "../http/context.ts";
import { authenticateApiKey } from "../auth/apikey.ts";
import { webRoutes } from "../web/server/routes.ts";

export interface AppOptions {
  log?: Logger;
  /** run pending migrations at start (serve does; `migrate status` does not) */
  migrate?: boolean;
  /** take the SQLite single-process lock (servers and workers) */
  exclusive?: boolean;
  now?: () => Date;
}

export interface App {
  config: Config;
  store: Store;
  bus: EventBus;
  log: Logger;
  deps: HttpDeps;
  http: HttpApp;
  server: Server<unknown> | null;
  /** listen on config.host:config.port */
  start(): Promise<Server<unknown>>;
  /** stop accepting, drain, run shutdown hooks, close the database */
  stop(opts?: { graceMs?: number }): Promise<void>;
  /** subsystems register cleanup here (event queues, workers…) */
  onStop(fn: () => Promise<void> | void): void;
}

export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger({ level: config.logLevel as never, format: config.logFormat as never });
  const store = await openStore({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    sslmode: config.databaseSslmode,
    poolSize: config.databasePoolSize,
    sqliteSynchronous: config.sqliteSynchronous as "NORMAL" | "FULL",
    exclusive: opts.exclusive,
    onCallbackError: (err) => log.error("after-commit callback failed", { err }),
  });
  try {
    if (opts.migrate !== false) {
      const applied = await migrate(store, (m) => log.info(m));
      if (applied.length) log.info("database migrated", { applied: applied.length, database: store.description });
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  const bus = new EventBus();
  const stopHooks: (() => Promise<void> | void)[] = [];
  const deps: HttpDeps = {
    config,
    store,
    bus,
    log,
    now: opts.now ?? (() => new Date()),
    auth: {
      basic: (ctx, header) => authenticateApiKey(deps, ctx.realm, header),
      session: async () => null,
    },
    async ready() {
      await store.ping();
      const st = await migrationStatus(store);
      const ok = st.pending.length === 0 && st.unknown.length === 0;
      return { ok, detail: { database: store.kind, pending_migrations: st.pending.length } };
    },
  };
  const httpOptions: HttpOptions = { hooks: {}, raw: [webRoutes] };
  const http = createHttpApp(deps, httpOptions);

  const app: App = {
    config, store, bus, log, deps, http,
    server: null,
    async start() {
      const server = Bun.serve({
        hostname: config.host,
        port: config.port,
        fetch: http.fetch,
        // Zulip's own upload limit is enforced per route; this only bounds abuse.
        maxRequestBodySize: 1024 * 1024 * 1024,
        idleTimeout: 120,
      });
      app.server = server;
      log.info("listening", { url: `http://${server.hostname}:${server.port}`, database: store.description });
      return server;
    },
    onStop(fn) {
      stopHooks.push(fn);
    },
    async stop(o = {}) {
      const graceMs = o.graceMs ?? config.shutdownGraceSeconds * 1000;
      if (app.server) {
        const server = app.server;
        app.server = null;
        // Stop accepting; let in-flight requests finish within the grace period.
        const drained = server.stop(false);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<void>((res) => (timer = setTimeout(res, graceMs)));
        for (const fn of stopHooks.splice(0).reverse()) {
          try {
            await fn();
          } catch (e) {
            log.error("shutdown hook failed", { err: e });
          }
        }
        await Promise.race([drained, timeout]);
        clearTimeout(timer);
        await server.stop(true);
      } else {
        for (const fn of stopHooks.splice(0).reverse()) await fn();
      }
      await store.close();
    },
  };
  return app;
}
