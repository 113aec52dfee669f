// The scheduler: ticks only enqueue, each tick at most once across nodes, local schedules
// run on every node, `schedule list` shows next runs, and on Postgres one leader with
// takeover when the leader's connection dies.
import { expect, test, beforeAll } from "bun:test";
import { sql } from "drizzle-orm";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { forEachDialect, testConfig } from "../helpers/app.ts";
import { createApp, type App } from "../../src/app/app.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { registerSchedule } from "../../src/jobs/registry.ts";
import { listJobs } from "../../src/db/repo/jobs.ts";
import { LEADER_LOCK_KEY } from "../../src/schedule/scheduler.ts";
import { exec, waitFor } from "./helpers.ts";

registerSchedule({ name: "test-yearly", cron: "0 0 1 1 *", queue: "t_yearly", payload: { kind: "yearly" } });
registerSchedule({ name: "test-every-second", cron: "* * * * * *", queue: "t_second", payload: { kind: "second" } });
let localRuns = 0;
registerSchedule({ name: "test-local", cron: "* * * * * *", local: true, run: () => void localRuns++ });

forEachDialect("scheduler", (t) => {
  const ticks: string[] = [];
  beforeAll(async () => {
    t.app.jobs.handle("t_second", async (ctx) => {
      ticks.push(ctx.job.idempotencyKey!);
      expect(ctx.payload).toEqual({ kind: "second" });
    });
    await t.app.jobs.start();
  });

  test("a tick enqueues one job; the same or an older tick enqueues nothing", async () => {
    const s = t.app.jobs.scheduler!;
    const tick = new Date("2030-01-01T00:00:00Z");
    const id = await s.tick("test-yearly", tick);
    expect(id).toBeNumber();
    expect(await s.tick("test-yearly", tick)).toBeNull();
    expect(await s.tick("test-yearly", new Date("2029-01-01T00:00:00Z"))).toBeNull();
    const jobs = await listJobs(t.store, { queue: "t_yearly" });
    expect(jobs.map((j) => j.id)).toEqual([id!]);
    expect(jobs[0]!.payload).toEqual({ kind: "yearly" });
    expect(jobs[0]!.idempotencyKey).toBe("schedule:test-yearly:2030-01-01T00:00:00.000Z");
    const next = await s.tick("test-yearly", new Date("2031-01-01T00:00:00Z"));
    expect(next).toBeNumber();
    expect(next).not.toBe(id);
  });

  test("croner drives cluster schedules: each second's tick runs once", async () => {
    await waitFor(() => ticks.length >= 2, { timeoutMs: 5000, what: "two ticks" });
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(localRuns).toBeGreaterThanOrEqual(1);
  });

  test("schedule list shows next run times and the last tick", async () => {
    const list = await t.app.jobs.schedules();
    const yearly = list.find((s) => s.name === "test-yearly")!;
    expect(yearly.target).toBe("t_yearly");
    expect(yearly.nextRun!.getUTCMonth()).toBe(0);
    expect(yearly.nextRun!.getUTCDate()).toBe(1);
    expect(yearly.lastTick!.toISOString()).toBe("2031-01-01T00:00:00.000Z");
    const local = list.find((s) => s.name === "test-local")!;
    expect(local.target).toBe("local");
    expect(local.nextRun!.getTime() - Date.now()).toBeLessThanOrEqual(1000);
  });

  test("HEARTH_BACKUP_SCHEDULE: a tick writes a backup archive through the job queue", async () => {
    expect((await t.app.jobs.schedules()).find((s) => s.name === "backup")!.cron).toBe("0 3 * * *");
    const id = await t.app.jobs.scheduler!.tick("backup", new Date("2030-06-01T03:00:00Z"));
    expect(id).toBeNumber();
    const dir = join(t.db.dataDir, "backups");
    await waitFor(() => existsSync(dir) && readdirSync(dir).some((f) => !f.startsWith(".")), { timeoutMs: 20_000, what: "backup archive" });
    await waitFor(async () => (await listJobs(t.store, { queue: "backup" })).length === 0, { what: "backup job done" });
  }, 30_000);

  test("a malformed backup cron stops start-up with one clear line", async () => {
    await expect(createApp(testConfig(t.db, { backupSchedule: "every tuesday" }), { migrate: false, log: silentLogger })).rejects.toThrow(
      /^HEARTH_BACKUP_SCHEDULE: "every tuesday" is not a cron expression/,
    );
  });

  if (t.dialect === "pg") {
    test("two nodes: one leader; the other takes over when the leader's connection dies; racing ticks enqueue once", async () => {
      // stopped inside the test: the file's teardown drops the database first
      const other: App = await createApp(testConfig(t.db), { migrate: false, log: silentLogger, workers: false, jobs: { leaderRetryMs: 200 } });
      try {
        await other.jobs.start();
        expect(t.app.jobs.scheduler!.isLeader).toBe(true);
        expect(other.jobs.scheduler!.isLeader).toBe(false);

        // Both nodes race on one tick: the ledger lets exactly one enqueue it.
        const tick = new Date("2040-01-01T00:00:00Z");
        const ids = await Promise.all([t.app.jobs.scheduler!.tick("test-yearly", tick), other.jobs.scheduler!.tick("test-yearly", tick)]);
        expect(ids.filter((x) => x !== null).length).toBe(1);

        // The leader "dies": its lock connection is killed, as when its host goes away.
        await exec(
          other.store,
          sql`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = ${LEADER_LOCK_KEY} AND granted`,
        );
        await waitFor(() => other.jobs.scheduler!.isLeader, { timeoutMs: 5000, what: "takeover" });
        // the old leader notices its connection is gone and steps down (default check period 10 s)
        await waitFor(() => !t.app.jobs.scheduler!.isLeader, { timeoutMs: 15_000, what: "old leader steps down" });
      } finally {
        await other.stop({ graceMs: 100 });
      }
    }, 30_000);
  }
}, { app: { jobs: { pollMs: 200 } }, config: { backupSchedule: "0 3 * * *" } });
