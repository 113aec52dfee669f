// The operations layer, built once per app: metrics with their collectors, the heartbeat
// checks, error reports, and the HTTP plug-ins (routes, read-only hook, request counter).
// app/app.ts creates it and exposes metrics/health/errorReports so other areas register
// their collectors and checks there.
import { localUploadsDir } from "../uploads/storage.ts";
import { join } from "node:path";
import { AsyncLocalStorage } from "node:async_hooks";
import type { Config } from "../config/definition.ts";
import type { Store, Tx } from "../db/types.ts";
import type { EventBus } from "../events/bus.ts";
import type { HttpOptions } from "../http/app.ts";
import { Metrics, eventLoopLag, processCollector } from "./metrics.ts";
import { HealthChecks, uploadDirCheck } from "./health.ts";
import { ErrorReporter } from "./alerts.ts";
import { opsRoutes, readOnlyHook } from "./http.ts";
import { HEARTH_VERSION } from "../lib/version.ts";

export interface Ops {
  metrics: Metrics;
  health: HealthChecks;
  errorReports: ErrorReporter;
  http: Required<Pick<HttpOptions, "onRequest">> & { raw: NonNullable<HttpOptions["raw"]>; beforeAuth: ReturnType<typeof readOnlyHook> };
  stop(): void;
}

export function createOps(config: Config, store: Store, bus: EventBus, errorReports: ErrorReporter): Ops {
  const metrics = new Metrics();
  const requests = metrics.counter("hearth_http_requests_total", "HTTP requests by method, route and status");
  const latency = metrics.histogram("hearth_http_request_duration_seconds", "HTTP request latency by method and route (long-polls included)");
  const txs = metrics.histogram("hearth_db_transaction_duration_seconds", "Write transaction duration, including the wait for the SQLite writer");
  const txFailures = metrics.counter("hearth_db_transactions_failed_total", "Write transactions rolled back");
  const messages = metrics.counter("hearth_messages_sent_total", "Messages sent (message events published)");
  const events = metrics.counter("hearth_events_published_total", "Events published to the bus");

  // Counted from the bus, so the messages area needs no metrics code of its own: every
  // sent message publishes exactly one message event envelope.
  const unsubscribe = bus.subscribe((batch) => {
    events.inc(undefined, batch.length);
    let n = 0;
    for (const env of batch) if (env.event.type === "message") n++;
    if (n) messages.inc(undefined, n);
  });

  // Transaction timing wraps withTx once; nested calls join the outer transaction and are not counted twice.
  const inner = store.withTx.bind(store);
  const inTx = new AsyncLocalStorage<true>();
  store.withTx = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    if (inTx.getStore()) return inner(fn);
    const started = performance.now();
    try {
      const r = await inTx.run(true, () => inner(fn));
      txs.observe(undefined, (performance.now() - started) / 1000);
      return r;
    } catch (e) {
      txFailures.inc();
      throw e;
    }
  };

  const series = new Map<string, { count: { inc(): void }; time: { observe(s: number): void } }>();
  const lag = eventLoopLag();
  const startedAt = Date.now();
  metrics.registerCollector(processCollector(startedAt));
  metrics.registerCollector(lag.collector);
  metrics.registerCollector(async () => {
    const started = performance.now();
    let up = 1;
    try {
      await store.ping();
    } catch {
      up = 0;
    }
    return [
      { name: "hearth_build_info", value: 1, labels: { version: HEARTH_VERSION, database: store.kind }, help: "Build and database kind" },
      { name: "hearth_db_up", value: up, help: "1 when the database answered the scrape's ping" },
      { name: "hearth_db_ping_seconds", value: (performance.now() - started) / 1000, help: "Round trip of a trivial query at scrape time" },
      { name: "hearth_db_pool_size", value: store.kind === "pg" ? config.databasePoolSize : 1, help: "Database connections this process may open (SQLite: one writer)" },
      { name: "hearth_readonly", value: config.readOnly ? 1 : 0, help: "1 in read-only mode" },
    ];
  });

  const health = new HealthChecks();
  health.register("database", async () => {
    await store.ping();
    return true;
  });
  health.register("uploads", uploadDirCheck(localUploadsDir(config)));

  return {
    metrics, health, errorReports,
    http: {
      raw: [opsRoutes(metrics, health)],
      beforeAuth: readOnlyHook(() => config.readOnly),
      onRequest: ({ method, route, status, ms }) => {
        // Route patterns and statuses are few, so the bound series are cached by a plain string.
        const key = `${method} ${status} ${route}`;
        let s = series.get(key);
        if (!s) {
          const r = route || "unmatched";
          series.set(key, (s = { count: requests.bind({ method, route: r, status }), time: latency.bind({ method, route: r }) }));
        }
        s.count.inc();
        s.time.observe(ms / 1000);
      },
    },
    stop() {
      lag.stop();
      unsubscribe();
    },
  };
}
