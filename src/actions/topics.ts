// Topics of a stream, and deleting a topic.
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import { accessSql, messagesByIds, topicMessageIds, topicsOfStream } from "../db/repo/messages.ts";
import { subscriptionOf } from "../db/repo/streams.ts";
import { errors } from "../domain/errors.ts";
import { isAdminRole } from "../domain/roles.ts";
import { accessStreamById } from "./streams.ts";
import { canReadWholeHistory } from "./stream-access.ts";
import { deleteMessagesInTx } from "./message-edit.ts";
import { messagingSettings } from "../domain/messaging-settings.ts";
import { realmById } from "../db/repo/realms.ts";

/** Topics with their newest message id, newest first; only messages the user may read count. */
export async function streamTopics(deps: ActionDeps, user: UserRow, streamId: number, allowEmptyTopicName: boolean) {
  const q = deps.store;
  const s = await accessStreamById(q, user, streamId);
  const whole = canReadWholeHistory(user, s, await subscriptionOf(q, user.id, s.id));
  const access = whole ? null : accessSql(q, { userId: user.id, realmId: user.realmId, whole: [] });
  const realm = (await realmById(q, user.realmId))!;
  const empty = messagingSettings(realm).empty_topic_display_name;
  return (await topicsOfStream(q, s.id, access)).map((t) => ({ name: t.name === "" && !allowEmptyTopicName ? empty : t.name, max_id: t.maxId }));
}

const DELETE_BATCH = 1000;

/** Deletes a topic's messages in batches (Zulip's delete_topic: repeat until complete). */
export async function deleteTopic(deps: ActionDeps, realm: RealmRow, user: UserRow, streamId: number, topicName: string) {
  if (!isAdminRole(user.role)) throw errors.badRequest("Must be an organization administrator");
  return inTx(deps, async (tx) => {
    const s = await accessStreamById(tx, user, streamId);
    const key = topicName.trim().toLowerCase();
    const ids = await topicMessageIds(tx, s.id, key, 0, DELETE_BATCH + 1);
    const batch = ids.slice(0, DELETE_BATCH);
    await deleteMessagesInTx(tx, realm.id, await messagesByIds(tx, batch));
    return { complete: ids.length <= DELETE_BATCH };
  });
}
