// Enqueue inside the caller's transaction: the job row commits or rolls back with the
// change that caused it. `ActionTx.enqueue` (actions/tx.ts) and `JobContext.complete` both
// land here.
import type { Store, Tx } from "../db/types.ts";
import { insertJob, lockPendingByKey, setPayload } from "../db/repo/jobs.ts";
import { handlerOptions } from "./registry.ts";
import { jobsEnqueued } from "./wake.ts";
import type { EnqueueOptions } from "./types.ts";

const DEFAULT_MAX_ATTEMPTS = 5;
/** per transaction: the queues it enqueued to, so one wake-up goes out after commit */
const pendingWake = new WeakMap<Tx, Set<string>>();

export async function enqueueJob(
  store: Store,
  tx: Tx,
  queue: string,
  payload: unknown,
  opts: EnqueueOptions = {},
  now: Date = new Date(),
): Promise<number | null> {
  const runAfter = opts.runAt ?? new Date(now.getTime() + (opts.delayMs ?? 0));
  const maxAttempts = opts.maxAttempts ?? handlerOptions(queue, store)?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  let id: number | null = null;
  if (opts.idempotencyKey && opts.merge) {
    // Batching: fold into the pending job when there is one. Locking it means a worker
    // claiming it concurrently either took it before (then it is no longer pending and a
    // new job is inserted) or waits until this transaction commits.
    for (let i = 0; i < 3 && id === null; i++) {
      const existing = await lockPendingByKey(tx, opts.idempotencyKey);
      if (existing) {
        await setPayload(tx, existing.id, opts.merge(existing.payload, payload));
        return existing.id;
      }
      id = await insertJob(tx, { queue, payload, runAfter, maxAttempts, idempotencyKey: opts.idempotencyKey, now });
    }
  } else {
    id = await insertJob(tx, { queue, payload, runAfter, maxAttempts, idempotencyKey: opts.idempotencyKey, now });
  }
  if (id !== null) {
    let queues = pendingWake.get(tx);
    if (!queues) {
      pendingWake.set(tx, (queues = new Set()));
      const qs = queues;
      tx.afterCommit(() => void jobsEnqueued(store, [...qs]));
    }
    queues.add(queue);
  }
  return id;
}
