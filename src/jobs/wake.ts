// Wake-ups without polling delay. A commit that enqueued jobs calls `jobsEnqueued` after
// COMMIT: local runners on the same store wake at once, and on Postgres a NOTIFY tells the
// runners of other nodes (sent after commit, outside the write transaction, per DESIGN
// "keep NOTIFY out of hot write transactions"). Runners also poll slowly as a fallback.
import type { Store } from "../db/types.ts";

export const NOTIFY_CHANNEL = "hearth_jobs";

const listeners = new WeakMap<object, Set<(queues: string[]) => void>>();

export function onJobsEnqueued(store: Store, fn: (queues: string[]) => void): () => void {
  let set = listeners.get(store);
  if (!set) listeners.set(store, (set = new Set()));
  set.add(fn);
  return () => set!.delete(fn);
}

/**
 * Returns once local runners were told; the NOTIFY is sent without making the committing
 * caller (an HTTP request) wait for it. A lost NOTIFY costs at most one fallback poll.
 */
export function jobsEnqueued(store: Store, queues: string[], onError?: (e: unknown) => void): Promise<void> {
  for (const fn of listeners.get(store) ?? []) fn(queues);
  if (!store.pubsub) return Promise.resolve();
  // NOTIFY payloads are capped at 8 KB; queue names are short, but stay well under.
  const sent = store.pubsub.notify(NOTIFY_CHANNEL, queues.join(",").slice(0, 4000));
  sent.catch((e) => onError?.(e));
  return sent.catch(() => {});
}
