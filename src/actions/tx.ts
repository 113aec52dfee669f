// The action transaction: validate → write in ONE transaction → after commit, hand the
// events to the bus. `notify` is the only way events leave an action (Zulip's
// send_event_on_commit); nothing is delivered when the transaction rolls back.
import type { Tx } from "../db/types.ts";
import type { EventEnvelope, ZulipEvent } from "../events/bus.ts";
import type { ActionDeps } from "./deps.ts";
import { enqueueJob } from "../jobs/enqueue.ts";
import type { EnqueueOptions } from "../jobs/types.ts";
import { commitMark } from "../db/snapshot.ts";

export interface ActionTx extends Tx {
  /** Queue an event for these users; delivered after commit, dropped on rollback. */
  notify(event: ZulipEvent, userIds: Iterable<number>, realmId?: number): void;
  /** Queue a fully specified envelope (per-user overrides, public-stream delivery). */
  notifyEnvelope(envelope: EventEnvelope): void;
  /** Enqueue a job in this transaction: it exists iff the transaction commits (src/jobs/). */
  enqueue(queue: string, payload: unknown, opts?: EnqueueOptions): Promise<number | null>;
}

export async function inTx<T>(deps: ActionDeps, fn: (tx: ActionTx) => Promise<T>): Promise<T> {
  return deps.store.withTx(async (tx) => {
    const existing = (tx as Partial<ActionTx>).notify;
    if (existing) return fn(tx as ActionTx);
    const batch: EventEnvelope[] = [];
    const atx = tx as ActionTx;
    // The Tx object is per transaction, so decorating it is safe; nested inTx calls join it.
    (atx as { notify: ActionTx["notify"] }).notify = (event, userIds, realmId) => {
      batch.push({ event, userIds: [...new Set(userIds)], realmId });
    };
    (atx as { notifyEnvelope: ActionTx["notifyEnvelope"] }).notifyEnvelope = (env) => {
      batch.push({ ...env, userIds: [...new Set(env.userIds)] });
    };
    (atx as { enqueue: ActionTx["enqueue"] }).enqueue = (queue, payload, opts) =>
      enqueueJob(deps.store, tx, queue, payload, opts, deps.now());
    let mark: number | undefined;
    tx.afterCommit(() => deps.bus.publish(batch, { mark }));
    const result = await fn(atx);
    // The commit mark lets POST /register tell whether its snapshot already includes this
    // transaction (db/snapshot.ts); only transactions that emit events need one.
    if (batch.length) mark = await commitMark(deps.store, tx);
    return result;
  });
}
