// `hearth jobs list|retry|purge` and `hearth schedule list`, run as separate processes
// against a database another process (the test) wrote jobs to.
import { test, expect } from "bun:test";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { DIALECTS, freshDatabase } from "../helpers/db.ts";
import { testConfig } from "../helpers/app.ts";
import { createApp } from "../../src/app/app.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { claimJobs, failJob, getJob, listJobs } from "../../src/db/repo/jobs.ts";

const root = join(import.meta.dir, "../..");
function hearth(args: string[], env: Record<string, string>) {
  const r = Bun.spawnSync([process.execPath, join(root, "src/main.ts"), ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: env.HEARTH_DATA_DIR!, ...env },
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

for (const dialect of DIALECTS) {
  test(`jobs list / retry / purge and schedule list [${dialect}]`, async () => {
    const db = await freshDatabase(dialect);
    const app = await createApp(testConfig(db), { migrate: true, log: silentLogger, workers: false });
    const env = { DATABASE_URL: db.url, HEARTH_DATA_DIR: db.dataDir };
    try {
      const kill = async (id: number) => {
        const token = randomUUID();
        const now = new Date();
        await app.store.withTx(async (tx) => {
          await claimJobs(tx, { queues: ["cli_q"], limit: 10, now, leaseUntil: new Date(now.getTime() + 60_000), token, workerId: "test" });
          await failJob(tx, id, token, { error: "Error: kaput", retryAt: null, now });
        });
      };
      const dead = (await app.jobs.enqueue("cli_q", { a: 1 }))!;
      const pending = (await app.jobs.enqueue("other_q", { b: 2 }, { delayMs: 3_600_000 }))!;
      await kill(dead);

      const list = hearth(["jobs", "list", "--dead", "--json"], env);
      expect(list.code).toBe(0);
      const rows = JSON.parse(list.out);
      expect(rows.map((r: any) => [r.id, r.queue, r.state, r.last_error])).toEqual([[dead, "cli_q", "dead", "Error: kaput"]]);
      const human = hearth(["jobs", "list"], env);
      expect(human.out).toContain("cli_q");
      expect(human.out).toContain("other_q");
      expect(human.out).toContain("last error: Error: kaput");

      expect(hearth(["jobs", "retry"], env).code).toBe(2);
      const retry = hearth(["jobs", "retry", String(dead)], env);
      expect(retry.out).toContain("1 dead job(s) queued again");
      const again = (await getJob(app.store, dead))!;
      expect(again.state).toBe("pending");
      expect(again.attempts).toBe(0);

      // purge never touches pending jobs
      expect(hearth(["jobs", "purge", "--all"], env).out).toContain("0 dead job(s) deleted");
      await kill(dead);
      expect(hearth(["jobs", "purge", "--all", "--older-than", "1"], env).out).toContain("0 dead job(s) deleted");
      expect(hearth(["jobs", "purge", String(dead)], env).out).toContain("1 dead job(s) deleted");
      expect((await listJobs(app.store)).map((j) => j.id)).toEqual([pending]);

      const sched = hearth(["schedule", "list", "--json"], env);
      expect(sched.code).toBe(0);
      const s = JSON.parse(sched.out).find((x: any) => x.name === "purge-old-dead-jobs");
      expect(s.target).toBe("jobs_maintenance");
      expect(new Date(s.nextRun).getTime()).toBeGreaterThan(Date.now());
    } finally {
      await app.stop({ graceMs: 100 });
      await db.drop();
    }
  }, 60_000);
}

for (const dialect of DIALECTS) {
  test(`hearth worker runs queued jobs without HTTP and stops cleanly on SIGTERM [${dialect}]`, async () => {
    const db = await freshDatabase(dialect);
    const app = await createApp(testConfig(db), { migrate: true, log: silentLogger, workers: false });
    try {
      const id = (await app.jobs.enqueue("jobs_maintenance", {}))!;
      await app.stop({ graceMs: 100 }); // SQLite: one process per file
      const p = Bun.spawn([process.execPath, join(root, "src/main.ts"), "worker"], {
        env: { PATH: process.env.PATH ?? "", HOME: db.dataDir, DATABASE_URL: db.url, HEARTH_DATA_DIR: db.dataDir, HEARTH_LOG_FORMAT: "json" },
        stdout: "pipe", stderr: "pipe",
      });
      let out = "";
      const reader = p.stdout.getReader();
      const deadline = Date.now() + 20_000;
      while (!out.includes('"msg":"worker started"') && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      expect(out).toContain('"msg":"worker started"');
      const check = await createApp(testConfig(db), { migrate: false, log: silentLogger, workers: false, exclusive: false });
      try {
        const deadline2 = Date.now() + 15_000;
        while ((await getJob(check.store, id)) !== null && Date.now() < deadline2) await Bun.sleep(100);
        expect(await getJob(check.store, id)).toBeNull();
      } finally {
        await check.stop({ graceMs: 100 });
      }
      p.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    } finally {
      await db.drop();
    }
  }, 60_000);
}
