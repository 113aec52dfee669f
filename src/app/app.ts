// The composition root: opens the store, migrates, wires the bus, the HTTP app and the
// subsystems, and owns the start/stop lifecycle. `hearth serve`, the tests and the
// benchmarks all build the server through createApp.
import type { Server } from "bun";
import { AsyncResource } from "node:async_hooks";
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
import { createJobs, type Jobs, type JobsOptions } from "../jobs/index.ts";
import { jobsCollector } from "../jobs/metrics.ts";
import { missedMessageSource, outgoingWebhookPorts } from "../actions/message-notifications.ts";
import { EMAIL_QUEUE } from "../jobs/handlers/email.ts";
import { createOps, type Ops } from "../ops/index.ts";
import { ErrorReporter, tapErrors, type ErrorMail } from "../ops/alerts.ts";
import { composeHooks } from "../ops/http.ts";
import { authenticateSession } from "../http/session.ts";
import { createRateLimits } from "../auth/ratelimit.ts";
import { rateLimitHooks } from "../http/ratelimit.ts";
import { mountWebAuth } from "../http/web-auth.ts";
import { mountUploadFiles } from "../http/routes/uploads.ts";
import { stopPresence } from "../actions/presence.ts";
// --- real-time events
import { EventSystem, type EventStats } from "../events/system.ts";
import { ClusterLink } from "../events/cluster.ts";
import { recordServerVersion, restartEvent } from "../events/restart.ts";
import { restoreQueues, saveQueues } from "../events/persist.ts";
import { webSocketHandler, webSocketRoute } from "../http/ws.ts";

export interface AppOptions {
  log?: Logger;
  /** run pending migrations at start (serve does; `migrate status` does not) */
  migrate?: boolean;
  /** take the SQLite single-process lock (servers and workers) */
  exclusive?: boolean;
  now?: () => Date;
  /** start() also starts job workers and the scheduler (default true; `serve --no-workers` sets false) */
  workers?: boolean;
  jobs?: JobsOptions;
}

export interface App {
  config: Config;
  store: Store;
  bus: EventBus;
  log: Logger;
  deps: HttpDeps;
  http: HttpApp;
  /** metrics (registerCollector), heartbeat checks (health.register), error reports (errorReports.setSender) */
  ops: Ops;
  server: Server<unknown> | null;
  /** event queues: counters for metrics via app.events.stats() */
  events: EventSystem & { stats(): EventStats };
  /** the Postgres LISTEN/NOTIFY link between nodes (null on SQLite) */
  cluster: ClusterLink | null;
  /** the job queue, workers, scheduler and mailer (src/jobs) */
  jobs: Jobs;
  /** listen on config.host:config.port */
  start(): Promise<Server<unknown>>;
  /** stop accepting, drain, run shutdown hooks, close the database */
  stop(opts?: { graceMs?: number }): Promise<void>;
  /** subsystems register cleanup here (event queues, workers…) */
  onStop(fn: () => Promise<void> | void): void;
}

export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const errorReports = new ErrorReporter(config.admins.split(",").map((s) => s.trim()).filter(Boolean));
  const log = tapErrors(opts.log ?? createLogger({ level: config.logLevel as never, format: config.logFormat as never }), errorReports);
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
      session: (ctx) => authenticateSession(ctx),
    },
    limits: createRateLimits(config),
    async ready() {
      await store.ping();
      const st = await migrationStatus(store);
      const ok = st.pending.length === 0 && st.unknown.length === 0;
      return { ok, detail: { database: store.kind, pending_migrations: st.pending.length } };
    },
  };
  const ops = createOps(config, store, bus, errorReports);
  // Read-only mode first: a refused write must not spend the client's rate limit.
  const httpOptions: HttpOptions = {
    hooks: composeHooks({ beforeAuth: ops.http.beforeAuth }, rateLimitHooks(deps.limits!)),
    raw: [...ops.http.raw, mountWebAuth, mountUploadFiles, webRoutes],
    onRequest: ops.http.onRequest,
  };
  // --- real-time events: queues, /ws, the cross-node link, restart events
  const events = new EventSystem({
    heartbeatMs: config.eventHeartbeatSeconds * 1000,
    idleMs: config.eventQueueIdleSeconds * 1000,
    maxQueueBytes: config.eventQueueMaxBytes,
    log,
  });
  // Queues saved by the previous process on this data directory (events/persist.ts).
  const restored = restoreQueues(events, config.dataDir, log);
  events.start(bus);
  deps.events = events;
  httpOptions.raw!.push(webSocketRoute(deps));
  const websocket = webSocketHandler(deps);
  const cluster = store.pubsub ? new ClusterLink(store as Store & { pubsub: NonNullable<Store["pubsub"]> }, bus, events, log) : null;
  let previousVersion: Awaited<ReturnType<typeof recordServerVersion>> = null;
  try {
    await cluster?.start();
    previousVersion = await recordServerVersion(deps);
  } catch (e) {
    await store.close();
    throw e;
  }
  if (previousVersion) {
    log.info("server version changed: sending restart events", { from: previousVersion.hearth_version });
    cluster?.restart(restartEvent());
    // The restored queues outlived the old version: their clients learn the new one.
    for (const q of restored) events.broadcastTo(q, restartEvent());
  }
  ops.metrics.registerStats("hearth_events", () => ({ ...events.stats(), ...(cluster ? { cluster: cluster.stats } : {}) }));
  // --- end real-time events

  const http = createHttpApp(deps, httpOptions);

  const jobs = createJobs(deps, opts.jobs);
  ops.metrics.registerCollector(jobsCollector(jobs));
  // The job handlers' ports into the messages area (missed-message emails, outgoing webhooks).
  jobs.provide({ missedMessages: missedMessageSource(deps), outgoingWebhooks: outgoingWebhookPorts(deps) });
  // Error reports to HEARTH_ADMINS go out through the email queue. Bound to this (no
  // transaction) context: an error logged inside a transaction that then rolls back must
  // not take its report down with it, as joining that transaction would.
  errorReports.setSender(
    AsyncResource.bind((mail: ErrorMail) => jobs.enqueue(EMAIL_QUEUE, { to: mail.to, subject: mail.subject, text: mail.text }).then(() => {})),
  );
  let stopGraceMs: number | undefined;
  stopHooks.push(() => jobs.stop(stopGraceMs));

  const app: App = {
    config, store, bus, log, deps, http, ops, jobs,
    events, cluster,
    server: null,
    async start() {
      const server = Bun.serve({
        hostname: config.host,
        port: config.port,
        fetch: http.fetch,
        websocket,
        // Zulip's own upload limit is enforced per route; this only bounds abuse.
        maxRequestBodySize: 1024 * 1024 * 1024,
        idleTimeout: 120,
      });
      app.server = server;
      // workers first: "listening" means the whole server is up (tests and scripts wait for it)
      if (opts.workers !== false) await jobs.start();
      log.info("listening", { url: `http://${server.hostname}:${server.port}`, database: store.description });
      return server;
    },
    onStop(fn) {
      stopHooks.push(fn);
    },
    async stop(o = {}) {
      const graceMs = o.graceMs ?? config.shutdownGraceSeconds * 1000;
      stopGraceMs = graceMs;
      if (app.server) {
        const server = app.server;
        app.server = null;
        // Stop accepting; let in-flight requests finish within the grace period.
        const drained = server.stop(false);
        // Held long-polls would keep the drain waiting until their heartbeat.
        events.stop();
        saveQueues(events, config.dataDir, log);
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
        events.stop();
        saveQueues(events, config.dataDir, log);
        for (const fn of stopHooks.splice(0).reverse()) await fn();
      }
      ops.stop();
      await cluster?.stop();
      await store.close();
    },
  };
  // In-memory presence is written lazily; the last batch goes out before the store closes.
  app.onStop(() => stopPresence(deps));
  return app;
}
