// The jobs subsystem of one app: workers, scheduler, mailer, ports and metrics.
// `app.jobs` (src/app/app.ts) is this object.
import type { ActionDeps } from "../actions/deps.ts";
import { countByQueue, oldestDue } from "../db/repo/jobs.ts";
import { createMailer, type Mailer } from "../email/transport.ts";
import { listSchedules, Scheduler, type ScheduleListing } from "../schedule/scheduler.ts";
import { enqueueJob } from "./enqueue.ts";
import "./handlers/index.ts";
import { configSchedules } from "./handlers/backup.ts";
import type { JobPorts } from "./ports.ts";
import { registeredHandlers, registeredSchedules, setAppQueueOptions } from "./registry.ts";
import { JobRunner, type QueueProcessed } from "./runner.ts";
import type { EnqueueOptions, HandlerRegistration, JobHandler, QueueOptions } from "./types.ts";

export interface JobsOptions {
  mailer?: Mailer;
  /** scheduler leader retry/check period (tests shorten it) */
  leaderRetryMs?: number;
  /** override config.jobLeaseSeconds (tests) */
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  /** replaces every queue's retry backoff (tests) */
  backoff?: { baseMs: number; maxMs?: number };
  /** run only these queues (default: every registered queue) */
  queues?: string[];
}

/**
 * What `app.jobs.stats()` returns, for /metrics. Database-wide counts (every node's jobs)
 * under `queues`; this process's workers under `processed` and `worker`.
 */
export interface JobStats {
  queues: Record<
    string,
    {
      pending: number;
      running: number;
      dead: number;
      /** seconds the oldest due-but-unclaimed job has waited (0 when none); delayed jobs do not count until due */
      oldestDueAgeSeconds: number;
    }
  >;
  processed: Record<string, QueueProcessed>;
  worker: { id: string | null; running: boolean; concurrency: number; inFlight: number };
  scheduler: { running: boolean; leader: boolean; ticksEnqueued: number };
}

export interface Jobs {
  readonly ports: JobPorts;
  readonly runner: JobRunner | null;
  readonly scheduler: Scheduler | null;
  /** connect other areas' interfaces (missed-message source, bot replies) */
  provide(ports: Partial<JobPorts>): void;
  /** an extra handler for this app only (tests, plugins); registry handlers are global */
  handle<P>(queue: string, handler: JobHandler<P>, opts?: QueueOptions): void;
  /** enqueue outside an action (own transaction); inside one use tx.enqueue */
  enqueue(queue: string, payload: unknown, opts?: EnqueueOptions): Promise<number | null>;
  /** start workers and the scheduler */
  start(): Promise<void>;
  /** stop claiming, finish or release running jobs within graceMs, stop the scheduler */
  stop(graceMs?: number): Promise<void>;
  stats(): Promise<JobStats>;
  schedules(): Promise<ScheduleListing[]>;
}

export function createJobs(deps: ActionDeps, opts: JobsOptions = {}): Jobs {
  const { config } = deps;
  const ports: JobPorts = { mailer: opts.mailer ?? createMailer(config, deps.log) };
  const extra = new Map<string, HandlerRegistration>();
  let runner: JobRunner | null = null;
  const allSchedules = () => [...registeredSchedules(), ...configSchedules(config)];
  allSchedules(); // a malformed cron setting stops start-up here, with one line naming it
  let scheduler: Scheduler | null = null;

  const jobs: Jobs = {
    ports,
    get runner() {
      return runner;
    },
    get scheduler() {
      return scheduler;
    },
    provide(p) {
      Object.assign(ports, p);
    },
    handle(queue, handler, o = {}) {
      if (runner) throw new Error("register handlers before jobs.start()");
      extra.set(queue, { queue, handler: handler as JobHandler, ...o });
      setAppQueueOptions(deps.store, queue, o);
    },
    enqueue(queue, payload, o) {
      return deps.store.withTx((tx) => enqueueJob(deps.store, tx, queue, payload, o, deps.now()));
    },
    async start() {
      if (runner) return;
      const all = new Map<string, HandlerRegistration>();
      for (const h of registeredHandlers()) all.set(h.queue, h);
      for (const h of extra.values()) all.set(h.queue, h);
      const handlers = [...all.values()].filter((h) => !opts.queues || opts.queues.includes(h.queue));
      runner = new JobRunner(deps, {
        concurrency: opts.concurrency ?? config.workerConcurrency,
        pollMs: opts.pollMs ?? config.jobPollSeconds * 1000,
        leaseMs: opts.leaseMs ?? config.jobLeaseSeconds * 1000,
        handlers,
        ports,
        backoff: opts.backoff,
      });
      await runner.start();
      scheduler = new Scheduler(deps, { schedules: allSchedules(), leaderRetryMs: opts.leaderRetryMs });
      await scheduler.start();
      if (!ports.mailer.configured) deps.log.warn("HEARTH_EMAIL_URL is not set: emails will be logged, not sent");
    },
    async stop(graceMs = config.shutdownGraceSeconds * 1000) {
      await scheduler?.stop();
      await runner?.stop(graceMs);
      ports.mailer.close();
    },
    async stats() {
      const now = deps.now();
      const queues: JobStats["queues"] = {};
      const q = (name: string) => (queues[name] ??= { pending: 0, running: 0, dead: 0, oldestDueAgeSeconds: 0 });
      for (const h of registeredHandlers()) q(h.queue);
      for (const h of extra.values()) q(h.queue);
      for (const c of await countByQueue(deps.store)) {
        const e = q(c.queue);
        if (c.state === "pending" || c.state === "running" || c.state === "dead") e[c.state] = c.n;
      }
      for (const o of await oldestDue(deps.store, now)) q(o.queue).oldestDueAgeSeconds = Math.max(0, (now.getTime() - o.at.getTime()) / 1000);
      return {
        queues,
        processed: Object.fromEntries(runner?.processed ?? []),
        worker: {
          id: runner?.workerId ?? null,
          running: runner?.isRunning ?? false,
          concurrency: opts.concurrency ?? config.workerConcurrency,
          inFlight: runner?.inFlight ?? 0,
        },
        scheduler: { running: scheduler !== null, leader: scheduler?.isLeader ?? false, ticksEnqueued: scheduler?.enqueued ?? 0 },
      };
    },
    schedules() {
      return listSchedules(deps.store, allSchedules(), deps.now());
    },
  };
  return jobs;
}

export { registerJobHandler, registerSchedule } from "./registry.ts";
export type { EnqueueOptions, JobContext, JobHandler, JobTx, QueueOptions } from "./types.ts";
export { PermanentJobError, RetryJobError, LeaseLostError } from "./types.ts";
