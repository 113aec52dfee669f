// `hearth worker`, `hearth jobs list|retry|purge`, `hearth schedule list`.
import type { Command } from "../commands.ts";
import { cliDeps, configFromArgs } from "../shared.ts";
import { UsageError } from "../args.ts";
import { ensureSecrets } from "../../config/load.ts";
import { createApp } from "../../app/app.ts";
import { listJobs, purgeDead, retryDead, type JobRow } from "../../db/repo/jobs.ts";
import { listSchedules } from "../../schedule/scheduler.ts";
import { registeredSchedules } from "../../jobs/registry.ts";
import { jobsEnqueued } from "../../jobs/wake.ts";
import "../../jobs/handlers/index.ts";
import { configSchedules } from "../../jobs/handlers/backup.ts";

export const workerCommand: Command = {
  name: "worker",
  usage: "worker [--data-dir D] [--config FILE]",
  summary: "Run only the job workers and the scheduler (no HTTP), e.g. on another host than `serve --no-workers`.",
  help: "SIGTERM or SIGINT stops claiming jobs, lets running ones finish within HEARTH_SHUTDOWN_GRACE_SECONDS and hands the rest back to the queue. With SQLite a worker cannot run beside `hearth serve` (one process per SQLite file): use PostgreSQL.",
  maxPositional: 0,
  async run(args, io) {
    const config = ensureSecrets(configFromArgs(args));
    const app = await createApp(config, { migrate: true, exclusive: true, workers: false });
    await app.jobs.start();
    app.log.info("worker started", { database: app.store.description, concurrency: config.workerConcurrency, queues: app.jobs.runner?.queues });
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) {
        io.err(`hearth: second ${signal}, exiting now`);
        process.exit(1);
      }
      stopping = true;
      app.log.info("shutting down", { signal });
      try {
        await app.stop();
        process.exit(0);
      } catch (e) {
        app.log.error("shutdown failed", { err: e });
        process.exit(1);
      }
    };
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    process.on("SIGINT", () => void shutdown("SIGINT"));
    return "running";
  },
};

function jobJson(j: JobRow) {
  return {
    id: j.id, queue: j.queue, state: j.state, attempts: j.attempts, max_attempts: j.maxAttempts,
    run_after: j.runAfter.toISOString(), created_at: j.createdAt.toISOString(),
    finished_at: j.finishedAt?.toISOString() ?? null, locked_by: j.lockedBy, last_error: j.lastError,
    idempotency_key: j.idempotencyKey, payload: j.payload,
  };
}

export const jobsListCommand: Command = {
  name: "jobs list",
  usage: "jobs list [--dead | --state pending|running|dead] [--queue Q] [--limit N] [--json]",
  summary: "List jobs that have not succeeded yet (pending, running, dead), newest first.",
  booleanFlags: ["json", "dead"],
  valueFlags: ["state", "queue", "limit"],
  maxPositional: 0,
  async run(args, io) {
    const state = args.flags.dead ? "dead" : (args.flags.state as string | undefined);
    if (state && !["pending", "running", "dead"].includes(state)) throw new UsageError("--state must be pending, running or dead");
    const limit = args.flags.limit ? Number(args.flags.limit) : 100;
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit must be a positive integer");
    const deps = await cliDeps(args);
    try {
      const jobs = await listJobs(deps.store, { state, queue: args.flags.queue as string | undefined, limit });
      if (args.flags.json) {
        io.out(JSON.stringify(jobs.map(jobJson)));
        return 0;
      }
      if (jobs.length === 0) io.out("no jobs");
      for (const j of jobs) {
        const err = j.lastError ? `  last error: ${j.lastError.split("\n")[0]}` : "";
        io.out(`${String(j.id).padStart(8)}  ${j.queue.padEnd(22)} ${j.state.padEnd(8)} ${j.attempts}/${j.maxAttempts}  run after ${j.runAfter.toISOString()}${err}`);
      }
      return 0;
    } finally {
      await deps.close();
    }
  },
};

export const jobsRetryCommand: Command = {
  name: "jobs retry",
  usage: "jobs retry ID… | --all [--queue Q]",
  summary: "Put dead jobs back in the queue with fresh attempts.",
  booleanFlags: ["all"],
  valueFlags: ["queue"],
  async run(args, io) {
    const ids = args.positional.map(Number);
    if (ids.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError("job ids are positive integers");
    if (!ids.length && !args.flags.all) throw new UsageError("give job ids, or --all (optionally with --queue) for every dead job");
    const deps = await cliDeps(args);
    try {
      const n = await deps.store.withTx((tx) =>
        retryDead(tx, { ids: ids.length ? ids : undefined, queue: args.flags.queue as string | undefined }, new Date()),
      );
      // wake running workers now (Postgres NOTIFY); on SQLite the server's fallback poll finds them
      if (n) await jobsEnqueued(deps.store, [...new Set((await listJobs(deps.store, { state: "pending", limit: 1000 })).map((j) => j.queue))]);
      io.out(`${n} dead job(s) queued again`);
      return 0;
    } finally {
      await deps.close();
    }
  },
};

export const jobsPurgeCommand: Command = {
  name: "jobs purge",
  usage: "jobs purge ID… | --all [--queue Q] [--older-than DAYS]",
  summary: "Delete dead jobs (only dead ones: pending and running jobs are never purged).",
  booleanFlags: ["all"],
  valueFlags: ["queue", "older-than"],
  async run(args, io) {
    const ids = args.positional.map(Number);
    if (ids.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError("job ids are positive integers");
    if (!ids.length && !args.flags.all) throw new UsageError("give job ids, or --all (optionally with --queue / --older-than)");
    const days = args.flags["older-than"] !== undefined ? Number(args.flags["older-than"]) : undefined;
    if (days !== undefined && !(days >= 0)) throw new UsageError("--older-than is a number of days");
    const deps = await cliDeps(args);
    try {
      const n = await deps.store.withTx((tx) =>
        purgeDead(tx, {
          ids: ids.length ? ids : undefined,
          queue: args.flags.queue as string | undefined,
          finishedBefore: days !== undefined ? new Date(Date.now() - days * 86_400_000) : undefined,
        }),
      );
      io.out(`${n} dead job(s) deleted`);
      return 0;
    } finally {
      await deps.close();
    }
  },
};

export const scheduleListCommand: Command = {
  name: "schedule list",
  usage: "schedule list [--json]",
  summary: "List periodic tasks with their cron pattern, next run and last tick.",
  booleanFlags: ["json"],
  maxPositional: 0,
  async run(args, io) {
    const deps = await cliDeps(args);
    try {
      const list = await listSchedules(deps.store, [...registeredSchedules(), ...configSchedules(deps.config)]);
      if (args.flags.json) {
        io.out(JSON.stringify(list.map((s) => ({ ...s, nextRun: s.nextRun?.toISOString() ?? null, lastTick: s.lastTick?.toISOString() ?? null }))));
        return 0;
      }
      if (list.length === 0) io.out("no schedules registered");
      for (const s of list) {
        io.out(`${s.name.padEnd(28)} ${s.cron.padEnd(16)} → ${s.target.padEnd(20)} next ${s.nextRun?.toISOString() ?? "never"}  last ${s.lastTick?.toISOString() ?? "never"}`);
      }
      return 0;
    } finally {
      await deps.close();
    }
  },
};
