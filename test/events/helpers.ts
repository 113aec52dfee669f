// Test-local actions for the event machinery: real transactions that emit events the
// way later areas' actions will (inTx → tx.notify).
import type { TestEnv } from "../helpers/app.ts";
import { inTx } from "../../src/actions/tx.ts";
import type { ActionDeps } from "../../src/actions/deps.ts";
import { updateRealm } from "../../src/db/repo/realms.ts";
import { activeUserIdsInRealm } from "../../src/db/repo/users.ts";
import type { EventEnvelope } from "../../src/events/bus.ts";

/** Renames the realm and tells every active user (Zulip's realm/update name). */
export async function renameRealm(deps: ActionDeps, realmId: number, name: string) {
  await inTx(deps, async (tx) => {
    await updateRealm(tx, realmId, { name });
    tx.notify({ type: "realm", op: "update", property: "name", value: name }, await activeUserIdsInRealm(tx, realmId), realmId);
  });
}

/** Emits a raw envelope in its own transaction. */
export async function emit(deps: ActionDeps, env: EventEnvelope) {
  await inTx(deps, async (tx) => tx.notifyEnvelope(env));
}

/** A message event shaped like Zulip's (enough for narrow/all_public_streams filtering). */
export function messageEvent(opts: { id: number; streamId?: number; stream?: string; topic?: string; senderId: number; senderEmail: string; private?: boolean }) {
  return {
    type: "message",
    flags: [],
    message: {
      id: opts.id, type: opts.private ? "private" : "stream", sender_id: opts.senderId, sender_email: opts.senderEmail,
      stream_id: opts.streamId, display_recipient: opts.stream ?? [], subject: opts.topic ?? "", content: "hi",
    },
  };
}

export function poll(t: TestEnv, user: { email: string; apiKey: string }, queueId: string, lastEventId?: number, dontBlock = false, validate = true) {
  return t.api("GET", "/events", { as: user, params: { queue_id: queueId, last_event_id: lastEventId, dont_block: dontBlock }, validate });
}
