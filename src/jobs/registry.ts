// Where areas register their job handlers and periodic tasks (one line per area in
// src/jobs/handlers/index.ts, the merge point). Registration is module-level, like the
// route registry: every app in the process runs the same handlers.
import type { ActionDeps } from "../actions/deps.ts";
import type { HandlerRegistration, JobHandler, QueueOptions } from "./types.ts";

const handlers = new Map<string, HandlerRegistration>();

export function registerJobHandler<P = any>(queue: string, handler: JobHandler<P>, opts: QueueOptions = {}) {
  if (handlers.has(queue)) throw new Error(`job handler for queue "${queue}" registered twice`);
  handlers.set(queue, { queue, handler: handler as JobHandler, ...opts });
}

export function registeredHandlers(): HandlerRegistration[] {
  return [...handlers.values()];
}

/** per-app handlers (`app.jobs.handle`) are keyed by their store */
const appQueueOptions = new WeakMap<object, Map<string, QueueOptions>>();

export function setAppQueueOptions(store: object, queue: string, opts: QueueOptions) {
  let m = appQueueOptions.get(store);
  if (!m) appQueueOptions.set(store, (m = new Map()));
  m.set(queue, opts);
}

export function handlerOptions(queue: string, store?: object): QueueOptions | undefined {
  return (store && appQueueOptions.get(store)?.get(queue)) || handlers.get(queue);
}

/**
 * A periodic task. Cluster-wide schedules (the default) enqueue one job per tick on
 * `queue` with `payload` — the leader node does it, and the tick ledger makes a tick
 * happen once even if two nodes race. `local: true` schedules instead call `run` on EVERY
 * node at each tick, for per-node housekeeping such as collecting idle in-memory event
 * queues (a job would run on one node only).
 */
export type ScheduleDef =
  | { name: string; cron: string; queue: string; payload?: unknown; maxAttempts?: number; local?: false; timezone?: string }
  | { name: string; cron: string; local: true; run: (deps: ActionDeps) => Promise<void> | void; timezone?: string };

const schedules = new Map<string, ScheduleDef>();

export function registerSchedule(def: ScheduleDef) {
  if (schedules.has(def.name)) throw new Error(`schedule "${def.name}" registered twice`);
  schedules.set(def.name, def);
}

export function registeredSchedules(): ScheduleDef[] {
  return [...schedules.values()];
}

