// POST /register (Zulip's do_events_register): a queue plus the initial-state snapshot,
// atomically — every change committed after the snapshot arrives as an event, and no
// change in the snapshot arrives again (db/snapshot.ts explains the commit marks).
//
// Order matters: the queue exists (recording every event with its commit mark) before
// the snapshot's view of the database is fixed, so nothing published in between is
// lost; once the snapshot says which commits it saw, the queue drops those events.
import type { ActionDeps } from "../actions/deps.ts";
import { realmById, type RealmRow } from "../db/repo/realms.ts";
import { userById, type UserRow } from "../db/repo/users.ts";
import type { Store } from "../db/types.ts";
import { readSnapshot } from "../db/snapshot.ts";
import { fetchInitialState } from "./state/fetch.ts";
import type { RegisterOptions } from "./state/types.ts";
import { versionKeys } from "./state/base.ts";
import type { EventSystem } from "./system.ts";

export interface EventDeps extends ActionDeps {
  events: EventSystem;
}

export interface RegisterResult {
  queue_id: string;
  last_event_id: number;
  [key: string]: unknown;
}

export async function registerQueue(
  deps: EventDeps,
  realm: RealmRow,
  user: UserRow,
  options: RegisterOptions,
  opts: { idleQueueTimeoutSeconds?: number } = {},
): Promise<RegisterResult> {
  const queue = deps.events.createQueue(user.id, realm.id, options, opts.idleQueueTimeoutSeconds);
  try {
    const { result: state, visible } = await readSnapshot(deps.store, async (q) => {
      // Providers read through ctx.deps.store; point it at the snapshot's view.
      const store = { ...deps.store, db: q.db } as Store;
      // The realm and user rows the providers see must come from the same view.
      const [r, u] = await Promise.all([realmById(q, realm.id), userById(q, user.id)]);
      return fetchInitialState({ deps: { ...deps, store }, realm: r ?? realm, user: u ?? user, options });
    });
    deps.events.snapshotTaken(queue, visible);
    return { queue_id: queue.id, last_event_id: queue.createdAtId, ...versionKeys(), ...state };
  } catch (e) {
    deps.events.discard(queue);
    throw e;
  }
}
