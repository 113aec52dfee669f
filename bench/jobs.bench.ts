// Job queue benchmark (loopback, bounded): `bun bench/jobs.bench.ts [sqlite|pg]…`
//  1. throughput: N no-op jobs enqueued in batches, then drained by one in-process runner
//     (claim → run → complete, each its own transaction);
//  2. wake-up latency: one job per committed transaction, time from COMMIT to handler start,
//     with the fallback poll set to 60 s so only the after-commit wake-up counts.
// Results go to docs/performance-jobs.md by hand.
import { createApp } from "../src/app/app.ts";
import { silentLogger } from "../src/lib/log.ts";
import { inTx } from "../src/actions/tx.ts";
import { enqueueJob } from "../src/jobs/enqueue.ts";
import { freshDatabase, type TestDialect } from "../test/helpers/db.ts";
import { testConfig } from "../test/helpers/app.ts";

const dialects = (process.argv.slice(2).length ? process.argv.slice(2) : ["sqlite", "pg"]) as TestDialect[];
const N = 5000;
const LATENCY_SAMPLES = 200;

for (const dialect of dialects) {
  for (const concurrency of [1, 8]) {
    const db = await freshDatabase(dialect);
    const app = await createApp(testConfig(db, { workerConcurrency: concurrency }), {
      migrate: true, log: silentLogger, workers: false, jobs: { pollMs: 60_000 },
    });
    let done = 0;
    let resolveDone!: () => void;
    const allDone = new Promise<void>((r) => (resolveDone = r));
    app.jobs.handle("bench_noop", async () => {
      if (++done === N) resolveDone();
    });
    const started = new Map<number, number>();
    app.jobs.handle("bench_latency", async (ctx) => {
      started.set(ctx.job.id, performance.now());
    });

    const t0 = performance.now();
    for (let i = 0; i < N; i += 500) {
      await app.store.withTx(async (tx) => {
        for (let k = i; k < Math.min(N, i + 500); k++) await enqueueJob(app.store, tx, "bench_noop", { k });
      });
    }
    const tEnq = performance.now();
    await app.jobs.start();
    await allDone;
    // the last completions may still be committing
    while ((await app.jobs.stats()).queues.bench_noop!.pending + (await app.jobs.stats()).queues.bench_noop!.running > 0) await Bun.sleep(5);
    const tRun = performance.now();

    const lat: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      let committedAt = 0;
      const id = await inTx(app.deps, async (tx) => {
        const id = await tx.enqueue("bench_latency", {});
        tx.afterCommit(() => void (committedAt = performance.now()));
        return id;
      });
      if (!committedAt) committedAt = performance.now();
      while (!started.has(id!)) await Bun.sleep(0);
      lat.push(started.get(id!)! - committedAt);
    }
    lat.sort((a, b) => a - b);
    const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!.toFixed(2);
    console.log(
      `${dialect.padEnd(6)} concurrency ${String(concurrency).padStart(2)}: enqueue ${Math.round(N / ((tEnq - t0) / 1000))} jobs/s (batches of 500), ` +
        `drain ${Math.round(N / ((tRun - tEnq) / 1000))} jobs/s; wake-up latency p50 ${pct(50)} ms, p99 ${pct(99)} ms`,
    );
    await app.stop({ graceMs: 1000 });
    await db.drop();
  }
}
process.exit(0);
