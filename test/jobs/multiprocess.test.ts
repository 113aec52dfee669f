// Worker PROCESSES. On one PostgreSQL database (SQLite serves one server process, so these
// are Postgres-only): two workers never run a job twice, and a worker frozen mid-job loses
// it to another process whose run is the only one whose effect commits. On both dialects:
// a worker killed with SIGKILL mid-job; the job runs again in a new process, effect once.
import { describe, expect, test, beforeAll, afterAll } from "bun:test";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Subprocess } from "bun";
import { DIALECTS, freshDatabase, type FreshDb } from "../helpers/db.ts";
import { testConfig } from "../helpers/app.ts";
import { createApp, type App } from "../../src/app/app.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { enqueueJob } from "../../src/jobs/enqueue.ts";
import { exec, rows, waitFor } from "./helpers.ts";

const FIXTURE = join(import.meta.dir, "fixtures/worker-process.ts");
const BUN = process.execPath;

describe.skipIf(!DIALECTS.includes("pg"))("worker processes on one Postgres [pg]", () => {
  let db: FreshDb;
  let app: App;
  const procs: Subprocess[] = [];

  async function spawnWorker(): Promise<Subprocess<"ignore", "pipe", "inherit">> {
    const p = Bun.spawn([BUN, FIXTURE, db.url, db.dataDir], { stdout: "pipe", stderr: "inherit", stdin: "ignore" });
    procs.push(p);
    const reader = p.stdout.getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    expect(new TextDecoder().decode(value)).toContain("ready");
    return p;
  }

  beforeAll(async () => {
    db = await freshDatabase("pg");
    app = await createApp(testConfig(db), { migrate: true, log: silentLogger, workers: false });
    await exec(app.store, sql`CREATE TABLE mp_runs (job_id integer NOT NULL, pid integer NOT NULL)`);
    await exec(app.store, sql`CREATE TABLE mp_effects (job_id integer NOT NULL, pid integer NOT NULL)`);
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) {
      try {
        p.kill("SIGCONT");
        p.kill("SIGKILL");
      } catch {}
    }
    await Promise.all(procs.map((p) => p.exited));
    await app?.stop({ graceMs: 100 });
    await db?.drop();
  }, 30_000);

  test("two worker processes run 3,000 jobs, each exactly once", async () => {
    const N = 3000;
    for (let i = 0; i < N; i += 500) {
      await app.store.withTx(async (tx) => {
        for (let k = i; k < Math.min(N, i + 500); k++) await enqueueJob(app.store, tx, "mp_count", { k });
      });
    }
    const [a, b] = await Promise.all([spawnWorker(), spawnWorker()]);
    await waitFor(async () => {
      const [r] = await rows<{ n: number }>(app.store, sql`SELECT count(*)::int AS n FROM jobs WHERE queue = 'mp_count'`);
      return r!.n === 0;
    }, { timeoutMs: 120_000, intervalMs: 200, what: "all jobs done" });
    const [r] = await rows<{ runs: number; distinct_jobs: number }>(
      app.store,
      sql`SELECT count(*)::int AS runs, count(DISTINCT job_id)::int AS distinct_jobs FROM mp_runs`,
    );
    expect(r).toEqual({ runs: N, distinct_jobs: N });
    const perPid = await rows<{ pid: number; n: number }>(app.store, sql`SELECT pid, count(*)::int AS n FROM mp_runs GROUP BY pid`);
    // both processes took part (SKIP LOCKED spreads the claims)
    expect(perPid.map((p) => p.pid).sort()).toEqual([a.pid, b.pid].sort());
    a.kill("SIGTERM");
    b.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  }, 180_000);

  test("a worker frozen mid-job loses its lease; another process re-runs the job; the effect commits once", async () => {
    await exec(app.store, sql`DELETE FROM mp_runs`);
    const a = await spawnWorker();
    const id = await app.store.withTx((tx) => enqueueJob(app.store, tx, "mp_crash", {}));
    await waitFor(async () => (await rows(app.store, sql`SELECT 1 FROM mp_runs WHERE job_id = ${id}`)).length === 1, { what: "first attempt started" });
    a.kill("SIGSTOP"); // frozen between its first side effect and its fenced completion
    const b = await spawnWorker();
    await waitFor(async () => (await rows(app.store, sql`SELECT 1 FROM jobs WHERE id = ${id}`)).length === 0, { timeoutMs: 20_000, what: "job re-run by the second process" });
    a.kill("SIGCONT"); // A wakes up and tries to complete: fenced out
    await Bun.sleep(1500);
    const effects = await rows<{ pid: number }>(app.store, sql`SELECT pid FROM mp_effects WHERE job_id = ${id}`);
    expect(effects).toEqual([{ pid: b.pid }]);
    a.kill("SIGKILL");
    b.kill("SIGTERM");
    await a.exited;
    expect(await b.exited).toBe(0);
  }, 60_000);
});

// Both dialects: a worker process killed with SIGKILL in the middle of a job. The job's
// lease runs out, a new worker process runs it again, and its effect is written once.
for (const dialect of DIALECTS) {
  describe(`a worker killed mid-job [${dialect}]`, () => {
    let db: FreshDb;
    let app: App;
    const procs: Subprocess[] = [];
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      app = await createApp(testConfig(db), { migrate: true, log: silentLogger, workers: false });
      await exec(app.store, sql`CREATE TABLE mp_runs (job_id integer NOT NULL, pid integer NOT NULL)`);
      await exec(app.store, sql`CREATE TABLE mp_effects (job_id integer NOT NULL, pid integer NOT NULL)`);
    }, 60_000);
    afterAll(async () => {
      for (const p of procs) p.kill("SIGKILL");
      await Promise.all(procs.map((p) => p.exited));
      await app?.stop({ graceMs: 100 });
      await db?.drop();
    }, 30_000);

    test("SIGKILL during the job: it runs again in a new process and its effect happens once", async () => {
      const spawn = async () => {
        const p = Bun.spawn([BUN, FIXTURE, db.url, db.dataDir], { stdout: "pipe", stderr: "inherit", stdin: "ignore" });
        procs.push(p);
        const reader = p.stdout.getReader();
        const { value } = await reader.read();
        reader.releaseLock();
        expect(new TextDecoder().decode(value)).toContain("ready");
        return p;
      };
      const id = await app.store.withTx((tx) => enqueueJob(app.store, tx, "mp_crash", {}));
      const a = await spawn();
      await waitFor(async () => (await rows(app.store, sql`SELECT 1 FROM mp_runs WHERE job_id = ${id}`)).length === 1, { what: "first attempt started" });
      a.kill("SIGKILL");
      expect(await a.exited).not.toBe(0);
      expect((await rows(app.store, sql`SELECT 1 FROM mp_effects WHERE job_id = ${id}`)).length).toBe(0);
      const b = await spawn();
      await waitFor(async () => (await rows(app.store, sql`SELECT 1 FROM jobs WHERE id = ${id}`)).length === 0, { timeoutMs: 20_000, what: "job re-run after the lease" });
      const effects = await rows<{ pid: number }>(app.store, sql`SELECT pid FROM mp_effects WHERE job_id = ${id}`);
      expect(effects.map((e) => Number(e.pid))).toEqual([b.pid]);
      b.kill("SIGTERM");
      expect(await b.exited).toBe(0);
    }, 60_000);
  });
}
