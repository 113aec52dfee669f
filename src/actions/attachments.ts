// Which messages reference which upload, and who may therefore read it. The rule (Zulip's
// validate_attachment_request): the uploader, or a user of the same realm who can read
// at least one message linking the upload. Message send/edit/delete keep the links up to
// date through linkMessageAttachments / relinkMessageAttachments / unlinkMessage.
import type { ActionDeps } from "./deps.ts";
import { inTx, type ActionTx } from "./tx.ts";
import type { Q } from "../db/types.ts";
import type { UserRow } from "../db/repo/users.ts";
import { userById } from "../db/repo/users.ts";
import {
  attachmentById, attachmentByPathId, attachmentsByPathIds, attachmentsOfMessage, attachmentsOfOwner, deleteAttachmentRow,
  linkAttachmentsToMessage, linksOf, realmUploadSpaceUsed, unclaimedAttachments, unlinkAttachmentsFromMessage, type AttachmentRow,
} from "../db/repo/uploads.ts";
import { errors } from "../domain/errors.ts";
import { messageById } from "../db/repo/messages.ts";
import { canReadMessage } from "./message-access.ts";
import { isPathId } from "../uploads/names.ts";
import { signTemporary, verifyTemporary } from "../uploads/signed.ts";
import { incomingDir, storageFor } from "../uploads/storage.ts";
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";

/** How long a /user_uploads/temporary/ URL works (Zulip: 60 s). */
export const TEMPORARY_URL_SECONDS = 60;

export interface AttachmentDict {
  id: number;
  name: string;
  path_id: string;
  size: number;
  create_time: number;
  messages: { id: number; date_sent: number }[];
}

export function attachmentDict(a: AttachmentRow, messages: { id: number; date_sent: number }[]): AttachmentDict {
  return { id: a.id, name: a.fileName, path_id: a.pathId, size: a.size, create_time: a.createdAt.getTime(), messages };
}

// ---- message access ----------------------------------------------------------------------

/** May `user` read message `messageId`? (the messages area's has_message_access) */
async function canReadLinkedMessage(q: Q, user: UserRow, messageId: number): Promise<boolean> {
  const m = await messageById(q, messageId);
  return !!m && (await canReadMessage(q, user, m));
}

/** {id, date_sent (ms)} of linked messages that still exist. */
async function messageDates(q: Q, links: { messageId: number; linkedAt: Date }[]): Promise<{ id: number; date_sent: number }[]> {
  const out: { id: number; date_sent: number }[] = [];
  for (const l of links) {
    const m = await messageById(q, l.messageId);
    if (m) out.push({ id: m.id, date_sent: m.dateSent.getTime() });
  }
  return out;
}

async function dictsFor(q: Q, rows: AttachmentRow[]): Promise<AttachmentDict[]> {
  const links = await linksOf(q, rows.map((r) => r.id));
  return Promise.all(rows.map(async (r) => attachmentDict(r, await messageDates(q, links.get(r.id) ?? []))));
}

/** The uploader, or a same-realm user who can read a message that links the upload. */
export async function canAccessAttachment(q: Q, user: UserRow, a: AttachmentRow): Promise<boolean> {
  if (!user.isActive || user.realmId !== a.realmId) return false;
  if (a.ownerId === user.id) return true;
  const links = (await linksOf(q, [a.id])).get(a.id) ?? [];
  for (const l of links) if (await canReadLinkedMessage(q, user, l.messageId)) return true;
  return false;
}

/** The attachment at /user_uploads/{pathId} if `user` may read it; null otherwise (also for anonymous). */
export async function accessibleUpload(deps: ActionDeps, user: UserRow | null, pathId: string): Promise<AttachmentRow | null> {
  if (!user || !isPathId(pathId)) return null;
  const a = await attachmentByPathId(deps.store, pathId);
  if (!a || !(await canAccessAttachment(deps.store, user, a))) return null;
  return a;
}

/** GET /user_uploads/{realm_id}/{path} (API): a credential-free URL valid for 60 seconds. */
export async function temporaryUploadUrl(deps: ActionDeps, user: UserRow, pathId: string): Promise<string> {
  const a = await accessibleUpload(deps, user, pathId);
  if (!a) throw errors.notFound("The requested file could not be found.");
  const exp = Math.floor(deps.now().getTime() / 1000) + TEMPORARY_URL_SECONDS;
  const token = signTemporary(deps.config.secretKey, a.pathId, exp);
  return `/user_uploads/temporary/${token}/${encodeURIComponent(a.fileName)}`;
}

/** The attachment a temporary token grants, or null when forged, expired or deleted. */
export async function uploadForToken(deps: ActionDeps, token: string): Promise<AttachmentRow | null> {
  const pathId = verifyTemporary(deps.config.secretKey, token, Math.floor(deps.now().getTime() / 1000));
  if (!pathId) return null;
  return (await attachmentByPathId(deps.store, pathId)) ?? null;
}

// ---- GET /attachments, DELETE /attachments/{id} --------------------------------------------

export async function listAttachments(deps: ActionDeps, user: UserRow) {
  const rows = await attachmentsOfOwner(deps.store, user.id);
  return { attachments: await dictsFor(deps.store, rows), upload_space_used: await realmUploadSpaceUsed(deps.store, user.realmId) };
}

async function deleteAttachment(deps: ActionDeps, tx: ActionTx, a: AttachmentRow) {
  await deleteAttachmentRow(tx, a.id);
  const used = await realmUploadSpaceUsed(tx, a.realmId);
  tx.notify({ type: "attachment", op: "remove", attachment: { id: a.id }, upload_space_used: used }, [a.ownerId]);
  // The object goes only once the row is gone for good; a failed delete leaves an orphan
  // object (harmless, unreachable), never a row without its file.
  tx.afterCommit(() =>
    storageFor(deps.config).delete("uploads", a.pathId).catch((err) => deps.log.error("could not delete upload object", { err, pathId: a.pathId })),
  );
}

export async function removeAttachment(deps: ActionDeps, user: UserRow, attachmentId: number): Promise<void> {
  await inTx(deps, async (tx) => {
    const a = await attachmentById(tx, attachmentId);
    if (!a || a.ownerId !== user.id) throw errors.badRequest("Invalid attachment");
    await deleteAttachment(deps, tx, a);
  });
}

// ---- links from messages (called by message send / edit / delete) --------------------------

/** "/user_uploads/2/ab/xyz/a%20b.png", "user_uploads/…" or a bare path_id → the path_id. */
export function pathIdFromUploadPath(p: string): string | null {
  let s = p.replace(/^https?:\/\/[^/]+/, "").replace(/^\/?user_uploads\//, "").split(/[?#]/)[0]!;
  try {
    s = s.split("/").map((seg) => decodeURIComponent(seg)).join("/");
  } catch {
    return null;
  }
  return isPathId(s) ? s : null;
}

async function notifyUpdated(tx: ActionTx, rows: AttachmentRow[]) {
  if (!rows.length) return;
  const dicts = await dictsFor(tx, rows);
  const used = await realmUploadSpaceUsed(tx, rows[0]!.realmId);
  rows.forEach((r, i) => tx.notify({ type: "attachment", op: "update", attachment: dicts[i]!, upload_space_used: used }, [r.ownerId]));
}

/**
 * Links the uploads a message's rendered content references. The sender may link their
 * own uploads, and re-share one they can already read (Zulip's claim_attachment);
 * anything else is left unlinked, so pasting a foreign URL grants nobody access.
 * Returns the ids linked.
 */
export async function linkMessageAttachments(
  tx: ActionTx,
  input: { realmId: number; messageId: number; senderId: number; uploadPaths: Iterable<string>; now?: Date },
): Promise<number[]> {
  const pathIds = [...new Set([...input.uploadPaths].map(pathIdFromUploadPath).filter((p): p is string => !!p))];
  if (!pathIds.length) return [];
  const rows = await attachmentsByPathIds(tx, input.realmId, pathIds);
  const sender = await userById(tx, input.senderId);
  if (!sender) return [];
  const ok: AttachmentRow[] = [];
  for (const a of rows) if (a.ownerId === sender.id || (await canAccessAttachment(tx, sender, a))) ok.push(a);
  await linkAttachmentsToMessage(tx, input.messageId, ok.map((a) => a.id), input.now ?? new Date());
  await notifyUpdated(tx, ok);
  return ok.map((a) => a.id);
}

/**
 * After an edit: link what the new content references, unlink what it no longer does.
 * Returns `detached_uploads`: the editor's own uploads that no message references any more
 * (the client offers to delete them).
 */
export async function relinkMessageAttachments(
  tx: ActionTx,
  input: { realmId: number; messageId: number; editorId: number; uploadPaths: Iterable<string>; now?: Date },
): Promise<AttachmentDict[]> {
  const before = await attachmentsOfMessage(tx, input.messageId);
  const keep = new Set([...input.uploadPaths].map(pathIdFromUploadPath).filter((p): p is string => !!p));
  const dropped = before.filter((a) => !keep.has(a.pathId));
  await unlinkAttachmentsFromMessage(tx, input.messageId, dropped.map((a) => a.id));
  await linkMessageAttachments(tx, { realmId: input.realmId, messageId: input.messageId, senderId: input.editorId, uploadPaths: keep, now: input.now });
  await notifyUpdated(tx, dropped);
  return detachedUploads(tx, input.editorId, dropped.map((a) => a.id));
}

/** Of these attachments, the ones `ownerId` uploaded that no message links any more. */
export async function detachedUploads(q: Q, ownerId: number, attachmentIds: number[]): Promise<AttachmentDict[]> {
  if (!attachmentIds.length) return [];
  const links = await linksOf(q, attachmentIds);
  const rows: AttachmentRow[] = [];
  for (const id of attachmentIds) {
    if ((links.get(id) ?? []).length) continue;
    const a = await attachmentById(q, id);
    if (a && a.ownerId === ownerId) rows.push(a);
  }
  return dictsFor(q, rows);
}

/** A message is being deleted: drop its links (unreferenced uploads then age out via cleanup). */
export async function unlinkMessage(tx: ActionTx, messageId: number): Promise<void> {
  const before = await attachmentsOfMessage(tx, messageId);
  await unlinkAttachmentsFromMessage(tx, messageId);
  await notifyUpdated(tx, before);
}

// ---- cleanup (`hearth uploads cleanup`, and the scheduler's job) ---------------------------

export interface CleanupResult {
  deleted: number;
  bytes: number;
  staleTempFiles: number;
}

/**
 * Deletes uploads no message references that are older than the grace period
 * (HEARTH_UNCLAIMED_UPLOAD_GRACE_DAYS), and temp files of uploads interrupted by a crash.
 * Safe to run on several nodes at once: each row is deleted in its own transaction.
 */
export async function cleanupUnclaimedUploads(deps: ActionDeps, opts: { graceDays?: number; dryRun?: boolean } = {}): Promise<CleanupResult> {
  const graceDays = opts.graceDays ?? deps.config.unclaimedUploadGraceDays;
  const cutoff = new Date(deps.now().getTime() - graceDays * 86_400_000);
  const out: CleanupResult = { deleted: 0, bytes: 0, staleTempFiles: 0 };
  let lastSeen = 0;
  for (;;) {
    const batch = await unclaimedAttachments(deps.store, cutoff, 200, lastSeen);
    if (!batch.length) break;
    for (const a of batch) {
      lastSeen = a.id;
      if (opts.dryRun) {
        out.deleted++;
        out.bytes += a.size;
        continue;
      }
      const gone = await inTx(deps, async (tx) => {
        // Re-checked under the transaction: a message may have linked it meanwhile.
        const still = await attachmentById(tx, a.id);
        if (!still || ((await linksOf(tx, [a.id])).get(a.id) ?? []).length) return false;
        await deleteAttachment(deps, tx, still);
        return true;
      });
      if (gone) {
        out.deleted++;
        out.bytes += a.size;
      }
    }
  }
  // Temp files older than a day belong to uploads that never finished.
  const dir = incomingDir(deps.config);
  try {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).mtimeMs < deps.now().getTime() - 86_400_000) {
        if (!opts.dryRun) unlinkSync(p);
        out.staleTempFiles++;
      }
    }
  } catch {
    /* no temp dir yet */
  }
  return out;
}
