// Small helpers shared by the job tests.
import { sql, type SQL } from "drizzle-orm";
import type { Store } from "../../src/db/types.ts";

export async function waitFor<T>(fn: () => Promise<T> | T, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? "condition"}`);
    await Bun.sleep(opts.intervalMs ?? 20);
  }
}

export async function exec(store: Store, query: SQL) {
  await store.withTx((tx) => tx.dialect.run(tx.db, query));
}

export async function rows<T = Record<string, unknown>>(store: Store, query: SQL): Promise<T[]> {
  return store.dialect.all<T>(store.db, query);
}

/** A table test handlers write their effects to (job id → how many times the effect happened). */
export async function createEffectTable(store: Store, name: string) {
  await exec(store, sql.raw(`CREATE TABLE ${name} (job_id integer NOT NULL, note text)`));
}

export async function effectCount(store: Store, name: string, jobId?: number): Promise<number> {
  const r = await rows<{ n: number | string }>(
    store,
    jobId === undefined ? sql.raw(`SELECT count(*) AS n FROM ${name}`) : sql`SELECT count(*) AS n FROM ${sql.raw(name)} WHERE job_id = ${jobId}`,
  );
  return Number(r[0]!.n);
}

export async function insertEffect(tx: { dialect: Store["dialect"]; db: Store["db"] }, name: string, jobId: number, note = "") {
  await tx.dialect.run(tx.db, sql`INSERT INTO ${sql.raw(name)} (job_id, note) VALUES (${jobId}, ${note})`);
}
