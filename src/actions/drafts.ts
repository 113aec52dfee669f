// Drafts (GET/POST /drafts, PATCH/DELETE /drafts/{id}): synchronized between a user's
// clients when the user setting enable_drafts_synchronization is on (the default).
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import type { UserRow } from "../db/repo/users.ts";
import { usersByIds } from "../db/repo/satellite-users.ts";
import { deleteDraftRow, draftById, draftRows, insertDraft, updateDraftRow, type DraftRow } from "../db/repo/personal.ts";
import type { Q } from "../db/types.ts";
import { errors } from "../domain/errors.ts";
import { userSetting } from "../domain/settings-read.ts";

export const MAX_TOPIC_LENGTH = 60;

export interface DraftInput {
  type: "" | "stream" | "private";
  to: number[];
  topic: string;
  content: string;
  timestamp?: number;
}

export function draftObject(d: DraftRow) {
  return { id: d.id, type: d.type, to: d.to, topic: d.topic, content: d.content, timestamp: Math.floor(d.lastEditTime.getTime() / 1000) };
}

export const draftsEnabled = (u: UserRow) => userSetting<boolean>(u, "enable_drafts_synchronization", true) !== false;

function ensureEnabled(u: UserRow) {
  if (!draftsEnabled(u)) throw errors.badRequest("User has disabled synchronizing drafts.");
}

/** Checks one draft (Zulip's further_validated_draft_dict) and returns the row values. */
export async function validateDraft(q: Q, user: UserRow, raw: unknown, now: Date) {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw errors.badRequest("Invalid draft");
  const d = raw as Record<string, unknown>;
  const type = d.type;
  if (type !== "" && type !== "stream" && type !== "private") throw errors.badRequest("Invalid draft type");
  const to = d.to ?? [];
  if (!Array.isArray(to) || !to.every((x) => Number.isSafeInteger(x))) throw errors.badRequest("Invalid draft recipients");
  const topic = typeof d.topic === "string" ? d.topic.trim() : "";
  const content = typeof d.content === "string" ? d.content : null;
  if (content === null) throw errors.badRequest("Draft content is required");
  if (content.includes("\0")) throw errors.badRequest("Content must not contain null bytes");
  if (topic.length > MAX_TOPIC_LENGTH) throw errors.badRequest(`Topic is too long (limit: ${MAX_TOPIC_LENGTH} characters)`);
  let recipients: number[] = [];
  if (type === "stream") {
    // The channel itself is the streams area's to check; we only check the shape.
    if (to.length !== 1) throw errors.badRequest("Must specify exactly 1 channel ID for channel messages");
    recipients = to as number[];
  } else if (type === "private") {
    const ids = [...new Set(to as number[])];
    const users = await usersByIds(q, user.realmId, ids);
    if (users.length !== ids.length) throw errors.badRequest("Invalid user ID");
    recipients = ids.sort((a, b) => a - b);
  } else if (to.length || topic) {
    throw errors.badRequest("Must not specify recipients or a topic for a draft without a type");
  }
  const ts = d.timestamp;
  if (ts !== undefined && (typeof ts !== "number" || ts < 0)) throw errors.badRequest("Timestamp must not be negative.");
  const lastEditTime = ts === undefined ? now : new Date(Math.floor(ts as number) * 1000);
  return { type: type as DraftInput["type"], to: recipients, topic: type === "stream" ? topic : "", content, lastEditTime };
}

export async function listDrafts(q: Q, userId: number) {
  return (await draftRows(q, userId)).map(draftObject);
}

export async function createDrafts(deps: ActionDeps, user: UserRow, drafts: unknown[]): Promise<number[]> {
  ensureEnabled(user);
  return inTx(deps, async (tx) => {
    const created: DraftRow[] = [];
    for (const raw of drafts) created.push(await insertDraft(tx, { userId: user.id, ...(await validateDraft(tx, user, raw, deps.now())) }));
    if (created.length) tx.notify({ type: "drafts", op: "add", drafts: created.map(draftObject) }, [user.id], user.realmId);
    return created.map((d) => d.id);
  });
}

async function ownDraft(q: Q, user: UserRow, id: number): Promise<DraftRow> {
  const d = await draftById(q, id);
  if (!d || d.userId !== user.id) throw errors.notFound("Draft does not exist");
  return d;
}

export async function editDraft(deps: ActionDeps, user: UserRow, id: number, raw: unknown): Promise<void> {
  ensureEnabled(user);
  await inTx(deps, async (tx) => {
    await ownDraft(tx, user, id);
    const v = await validateDraft(tx, user, raw, deps.now());
    await updateDraftRow(tx, id, v);
    tx.notify({ type: "drafts", op: "update", draft: draftObject({ id, userId: user.id, ...v }) }, [user.id], user.realmId);
  });
}

export async function deleteDraft(deps: ActionDeps, user: UserRow, id: number): Promise<void> {
  ensureEnabled(user);
  await inTx(deps, async (tx) => {
    await ownDraft(tx, user, id);
    await deleteDraftRow(tx, id);
    tx.notify({ type: "drafts", op: "remove", draft_id: id }, [user.id], user.realmId);
  });
}
