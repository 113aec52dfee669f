// The durable job queue on both dialects: transactional enqueue, wake-ups, retries with
// backoff, dead jobs, lease expiry with fencing (exactly-once effects), idempotency keys,
// graceful shutdown and the metrics shape.
import { expect, test, beforeAll } from "bun:test";
import { randomUUID } from "node:crypto";
import { forEachDialect, testConfig } from "../helpers/app.ts";
import { createApp } from "../../src/app/app.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { inTx } from "../../src/actions/tx.ts";
import { claimJobs, completeJob, getJob, listJobs, retryDead } from "../../src/db/repo/jobs.ts";
import { JobRunner } from "../../src/jobs/runner.ts";
import { LeaseLostError, PermanentJobError, type JobContext } from "../../src/jobs/types.ts";
import { createEffectTable, effectCount, insertEffect, waitFor } from "./helpers.ts";

forEachDialect("job queue", (t) => {
  const ran: Record<string, number[]> = {};
  const record = (q: string) => async (ctx: JobContext) => {
    (ran[q] ??= []).push(ctx.job.id);
  };
  let flaky = 0;
  let slowRelease: (() => void) | null = null;
  const capped = { now: 0, max: 0 };

  beforeAll(async () => {
    await createEffectTable(t.store, "effects");
    const jobs = t.app.jobs;
    jobs.handle("t_basic", record("t_basic"));
    jobs.handle("t_flaky", async (ctx) => {
      flaky++;
      if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
      (ran.t_flaky ??= []).push(ctx.job.id);
    });
    jobs.handle("t_dead", async () => {
      throw new Error("always fails");
    }, { maxAttempts: 2 });
    jobs.handle("t_timeout", () => new Promise<void>(() => {}), { timeoutMs: 100, maxAttempts: 2 });
    jobs.handle("t_capped", async () => {
      capped.now++;
      capped.max = Math.max(capped.max, capped.now);
      await Bun.sleep(80);
      capped.now--;
    }, { concurrency: 1 });
    jobs.handle("t_permanent", async () => {
      throw new PermanentJobError("bad payload");
    });
    jobs.handle("t_effect", async (ctx) => {
      await ctx.complete((tx) => insertEffect(tx, "effects", ctx.job.id, "runner"));
    });
    jobs.handle("t_slow", async (ctx) => {
      await new Promise<void>((res) => {
        slowRelease = res;
        ctx.signal.addEventListener("abort", () => res());
      });
      await ctx.complete((tx) => insertEffect(tx, "effects", ctx.job.id, "slow"));
    });
    await jobs.start();
  });

  test("a job enqueued in a committed transaction runs; one enqueued in a rolled-back transaction never does", async () => {
    const committed = await inTx(t.deps, (tx) => tx.enqueue("t_basic", { n: 1 }));
    await expect(
      inTx(t.deps, async (tx) => {
        await tx.enqueue("t_basic", { n: 2 });
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    await waitFor(() => ran.t_basic?.includes(committed!), { what: "committed job" });
    // Give the workers every chance to run a phantom job: enqueue and run another after it.
    const after = await inTx(t.deps, (tx) => tx.enqueue("t_basic", { n: 3 }));
    await waitFor(() => ran.t_basic?.includes(after!), { what: "later job" });
    expect(ran.t_basic).toEqual([committed!, after!]);
    await waitFor(async () => (await listJobs(t.store, { queue: "t_basic" })).length === 0, { what: "completion" });
  });

  test("a failing job is retried with backoff until it succeeds", async () => {
    const id = await t.app.jobs.enqueue("t_flaky", {});
    await waitFor(() => ran.t_flaky?.includes(id!), { what: "flaky job to succeed" });
    expect(flaky).toBe(3);
    await waitFor(async () => (await getJob(t.store, id!)) === null, { what: "completion" });
  });

  test("after max attempts a job is dead with its last error, can be retried, and shows in stats", async () => {
    const id = (await t.app.jobs.enqueue("t_dead", { x: 1 }))!;
    const dead = await waitFor(async () => {
      const j = await getJob(t.store, id);
      return j?.state === "dead" ? j : null;
    }, { what: "dead job" });
    expect(dead.attempts).toBe(2);
    expect(dead.lastError).toContain("always fails");
    expect(dead.finishedAt).toBeInstanceOf(Date);
    const stats = await t.app.jobs.stats();
    expect(stats.queues.t_dead!.dead).toBe(1);
    expect(stats.processed.t_dead!.dead).toBe(1);
    expect(stats.processed.t_dead!.retried).toBe(1);
    expect(stats.processed.t_dead!.durationSeconds.count).toBe(2);

    expect(await t.store.withTx((tx) => retryDead(tx, { ids: [id] }, new Date()))).toBe(1);
    await waitFor(async () => (await getJob(t.store, id))?.state === "dead" && (await getJob(t.store, id))!.attempts === 2, { what: "dead again" });
    expect(t.app.jobs.runner!.processed.get("t_dead")!.dead).toBe(2);
  });

  test("a queue's concurrency cap holds while other queues keep running", async () => {
    const ids = await Promise.all([1, 2, 3, 4].map(() => t.app.jobs.enqueue("t_capped", {})));
    const other = (await t.app.jobs.enqueue("t_basic", {}))!;
    await waitFor(() => ran.t_basic?.includes(other), { what: "uncapped job beside the capped ones" });
    await waitFor(async () => (await Promise.all(ids.map((id) => getJob(t.store, id!)))).every((j) => j === null), { what: "capped jobs" });
    expect(capped.max).toBe(1);
  });

  test("a PermanentJobError kills the job on its first attempt", async () => {
    const id = (await t.app.jobs.enqueue("t_permanent", {}))!;
    const j = await waitFor(async () => ((await getJob(t.store, id))?.state === "dead" ? getJob(t.store, id) : null));
    expect(j!.attempts).toBe(1);
    expect(j!.lastError).toContain("bad payload");
  });

  test("a run longer than the queue's timeout is aborted and counts as a failed attempt", async () => {
    const id = (await t.app.jobs.enqueue("t_timeout", {}))!;
    const j = await waitFor(async () => ((await getJob(t.store, id))?.state === "dead" ? getJob(t.store, id) : null), { what: "timed-out job dead" });
    expect(j!.attempts).toBe(2);
    expect(j!.lastError).toContain("timed out after 100 ms");
  });

  test("lease expiry: a crashed worker's job runs again, and its effect happens once", async () => {
    // No running worker serves this queue, so the "crashed" worker below claims the job first.
    const id = (await t.store.withTx(async (tx) => {
      const { enqueueJob } = await import("../../src/jobs/enqueue.ts");
      return enqueueJob(t.store, tx, "t_effect_crash", {}, {});
    }))!;
    // Worker A claims it with a short lease and then "crashes": it never heartbeats or completes.
    const tokenA = randomUUID();
    const now = new Date();
    const claimed = await t.store.withTx((tx) =>
      claimJobs(tx, { queues: ["t_effect_crash"], limit: 10, now, leaseUntil: new Date(now.getTime() + 300), token: tokenA, workerId: "crashed" }),
    );
    expect(claimed.map((j) => j.id)).toEqual([id]);
    // Worker B: a real runner with a short lease and poll, so it reaps quickly.
    const b = new JobRunner(t.deps, {
      concurrency: 2, pollMs: 100, leaseMs: 2000, ports: t.app.jobs.ports,
      handlers: [{ queue: "t_effect_crash", handler: async (ctx) => ctx.complete((tx) => insertEffect(tx, "effects", ctx.job.id, "B")) }],
    });
    await b.start();
    try {
      await waitFor(async () => (await effectCount(t.store, "effects", id)) === 1 && (await getJob(t.store, id)) === null, { what: "job re-run after lease expiry" });
    } finally {
      await b.stop(1000);
    }
    // Worker A wakes up and finishes its run: its fenced completion fails and its effect rolls back.
    await expect(
      t.store.withTx(async (tx) => {
        if (!(await completeJob(tx, id, tokenA))) throw new LeaseLostError(id);
        await insertEffect(tx, "effects", id, "A (zombie)");
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await effectCount(t.store, "effects", id)).toBe(1);
  });

  test("a worker whose job was taken over cannot complete it (ctx.complete is fenced)", async () => {
    const id = (await t.app.jobs.enqueue("t_effect", {}))!;
    await waitFor(async () => (await effectCount(t.store, "effects", id)) === 1, { what: "effect" });
    expect(await getJob(t.store, id)).toBeNull();
    expect(t.app.jobs.runner!.processed.get("t_effect")!.succeeded).toBeGreaterThanOrEqual(1);
  });

  test("idempotency key: one pending job per key; merge folds payloads; a new job once the first ran", async () => {
    const key = "k-" + randomUUID();
    const q = "t_unclaimed"; // no handler: stays pending
    const a = await t.app.jobs.enqueue(q, { v: 1 }, { idempotencyKey: key, delayMs: 60_000 });
    const b = await t.app.jobs.enqueue(q, { v: 2 }, { idempotencyKey: key });
    expect(a).toBeNumber();
    expect(b).toBeNull();
    const c = await t.app.jobs.enqueue(q, { v: 3 }, {
      idempotencyKey: key,
      merge: (p, n) => ({ v: [(p as { v: number }).v, (n as { v: number }).v].flat() }),
    });
    expect(c).toBe(a);
    expect((await getJob(t.store, a!))!.payload).toEqual({ v: [1, 3] });
    // A key is free again once its job is no longer pending.
    const key2 = "k2-" + randomUUID();
    const d = (await t.app.jobs.enqueue("t_basic", {}, { idempotencyKey: key2 }))!;
    await waitFor(() => ran.t_basic?.includes(d));
    const e = await t.app.jobs.enqueue("t_basic", {}, { idempotencyKey: key2 });
    expect(e).toBeNumber();
    expect(e).not.toBe(d);
  });

  test("delayed jobs wait for run_after", async () => {
    const start = Date.now();
    const id = (await t.app.jobs.enqueue("t_basic", {}, { delayMs: 700 }))!;
    await waitFor(() => ran.t_basic?.includes(id), { what: "delayed job" });
    expect(Date.now() - start).toBeGreaterThanOrEqual(650);
  });

  test("wake-up after commit does not wait for the poll", async () => {
    const seen: number[] = [];
    const r = new JobRunner(t.deps, {
      concurrency: 1, pollMs: 60_000, leaseMs: 30_000, ports: t.app.jobs.ports,
      handlers: [{ queue: "t_wake", handler: async (ctx) => void seen.push(ctx.job.id) }],
    });
    await r.start();
    try {
      await Bun.sleep(100); // the runner is now asleep on its 60 s poll
      const t0 = Date.now();
      const id = await inTx(t.deps, (tx) => tx.enqueue("t_wake", {}));
      await waitFor(() => seen.includes(id!), { timeoutMs: 5000, what: "woken job" });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await r.stop(1000);
    }
  });

  test("read-only mode (HEARTH_READONLY): workers claim nothing until it is switched off", async () => {
    const config = t.deps.config as { readOnly: boolean };
    config.readOnly = true;
    try {
      const id = (await t.app.jobs.enqueue("t_basic", {}))!;
      await Bun.sleep(600);
      expect(ran.t_basic?.includes(id) ?? false).toBe(false);
      expect(await t.app.jobs.scheduler!.tick("purge-old-dead-jobs", new Date("2035-01-01T00:00:00Z"))).toBeNull();
      config.readOnly = false;
      t.app.jobs.runner!.wake();
      await waitFor(() => ran.t_basic?.includes(id), { what: "job after read-only mode" });
    } finally {
      config.readOnly = false;
    }
  });

  test("graceful stop: a job still running after the grace period is released, not lost or failed", async () => {
    const r = new JobRunner(t.deps, {
      concurrency: 1, pollMs: 100, leaseMs: 30_000, ports: t.app.jobs.ports,
      handlers: [{
        queue: "t_hang",
        handler: (ctx) => new Promise<void>((res) => ctx.signal.addEventListener("abort", () => res())),
      }],
    });
    await r.start();
    const id = (await t.app.jobs.enqueue("t_hang", {}))!;
    await waitFor(async () => (await getJob(t.store, id))?.state === "running", { what: "claim" });
    await r.stop(200);
    const j = (await getJob(t.store, id))!;
    expect(j.state).toBe("pending");
    expect(j.attempts).toBe(0);
    expect(j.lockToken).toBeNull();
  });

  test("graceful stop: a job that finishes within the grace period completes", async () => {
    const id = (await t.app.jobs.enqueue("t_slow", {}))!;
    await waitFor(() => slowRelease !== null, { what: "slow job started" });
    const stopping = t.app.jobs.runner!.stop(5000);
    setTimeout(() => slowRelease!(), 150);
    await stopping;
    expect(await getJob(t.store, id)).toBeNull();
    expect(await effectCount(t.store, "effects", id)).toBe(1);
  });

  if (t.dialect === "pg") {
    test("a job committed on one node wakes the workers of another node (NOTIFY), not their 60 s poll", async () => {
      const other = await createApp(testConfig(t.db), { migrate: false, log: silentLogger, workers: false, jobs: { pollMs: 60_000 } });
      const seen: number[] = [];
      other.jobs.handle("t_cross_node", async (ctx) => void seen.push(ctx.job.id));
      try {
        await other.jobs.start();
        await Bun.sleep(200); // other's runner is now asleep on its 60 s poll
        const id = await inTx(t.deps, (tx) => tx.enqueue("t_cross_node", {}));
        await waitFor(() => seen.includes(id!), { timeoutMs: 10_000, what: "job run on the other node" });
      } finally {
        await other.stop({ graceMs: 500 });
      }
    });
  }

  test("stats: depth per queue, oldest due age, dead, durations", async () => {
    const s = await t.app.jobs.stats();
    expect(s.queues.t_unclaimed!.pending).toBe(1);
    expect(s.queues.t_dead!.dead).toBe(1);
    expect(s.queues.email).toBeDefined();
    expect(s.worker.concurrency).toBeGreaterThan(0);
    const d = s.processed.t_basic!.durationSeconds;
    expect(d.count).toBeGreaterThan(0);
    expect(d.buckets.at(-1)!.count).toBeLessThanOrEqual(d.count);
    // a due job nobody runs ages
    await t.app.jobs.enqueue("t_nobody", {}, { runAt: new Date(Date.now() - 5000) });
    const s2 = await t.app.jobs.stats();
    expect(s2.queues.t_nobody!.oldestDueAgeSeconds).toBeGreaterThanOrEqual(4);
  });
}, { app: { jobs: { pollMs: 200, backoff: { baseMs: 20 } } } });
