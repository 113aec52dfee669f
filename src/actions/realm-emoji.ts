// Custom (realm) emoji: GET /realm/emoji, POST /realm/emoji/{name} (one image file),
// DELETE /realm/emoji/{name} (deactivates; messages keep rendering the old image).
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import { activeUserIdsInRealm } from "../db/repo/users.ts";
import { activeRealmEmojiByName, deactivateRealmEmojiRow, insertRealmEmoji, realmEmojiRows, type RealmEmojiRow } from "../db/repo/realm-extras.ts";
import type { Q } from "../db/types.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { isAdminRole, isGuestRole } from "../domain/roles.ts";
import { randomToken } from "../lib/random.ts";
import { removeEmojiFile, writeEmojiFile } from "../storage/emoji-files.ts";

export const MAX_EMOJI_FILE_SIZE_MIB = 5;
const MAX_NAME = 60;

/** The image type from the file's first bytes (never trust the part's content type). */
export function sniffImage(b: Uint8Array): "png" | "gif" | "jpeg" | "webp" | null {
  const at = (i: number, ...xs: number[]) => xs.every((x, k) => b[i + k] === x);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return "gif";
  if (at(0, 0xff, 0xd8, 0xff)) return "jpeg";
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return "webp";
  return null;
}

export function validateEmojiName(name: string): string {
  if (!name) throw errors.badRequest("Emoji name is missing");
  if (name.length > MAX_NAME || !/^[0-9a-z\-_]+$/.test(name) || /[-_]$/.test(name)) {
    throw errors.badRequest("Emoji names must contain only lowercase alphanumeric characters, hyphen, underscore");
  }
  return name;
}

export function emojiSourceUrl(realmId: number, fileName: string) {
  return `/user_avatars/${realmId}/emoji/images/${fileName}`;
}

function emojiDict(rows: RealmEmojiRow[]) {
  const out: Record<string, unknown> = {};
  for (const r of rows) {
    out[String(r.id)] = {
      id: String(r.id),
      name: r.name,
      source_url: emojiSourceUrl(r.realmId, r.fileName),
      // No still frames are generated yet, so animated emoji have no still_url.
      still_url: null,
      deactivated: r.deactivated,
      author_id: r.authorId ?? null,
    };
  }
  return out;
}

/** The realm's emoji, deactivated ones included (as Zulip's realm_emoji). */
export async function realmEmoji(q: Q, realmId: number) {
  return emojiDict(await realmEmojiRows(q, realmId));
}

/** Lookup for reactions and Markdown: an active custom emoji by name. */
export async function realmEmojiByName(q: Q, realmId: number, name: string): Promise<RealmEmojiRow | undefined> {
  return activeRealmEmojiByName(q, realmId, name);
}

export async function addRealmEmoji(deps: ActionDeps, realm: RealmRow, author: UserRow, rawName: string, files: File[]): Promise<void> {
  const name = validateEmojiName(rawName);
  // Simplified can_add_custom_emoji_group: every non-guest (Zulip's default, role:members).
  if (isGuestRole(author.role)) throw errors.badRequest("Insufficient permission");
  if (files.length !== 1) throw errors.badRequest("You must upload exactly one file.");
  const file = files[0]!;
  if (file.size > MAX_EMOJI_FILE_SIZE_MIB * 1024 * 1024) {
    throw errors.badRequest(`Uploaded file is larger than the allowed limit of ${MAX_EMOJI_FILE_SIZE_MIB} MiB`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const kind = sniffImage(bytes);
  if (!kind) throw new ApiError("BAD_IMAGE", "Invalid image format");
  // The file is written before the transaction (slow I/O outside the writer lock) and
  // removed again if the transaction fails.
  const fileName = `${randomToken(12)}.${kind === "jpeg" ? "jpg" : kind}`;
  await writeEmojiFile(deps.config.dataDir, realm.id, fileName, bytes);
  try {
    await inTx(deps, async (tx) => {
      if (await activeRealmEmojiByName(tx, realm.id, name)) throw errors.badRequest("A custom emoji with this name already exists.");
      await insertRealmEmoji(tx, { realmId: realm.id, name, authorId: author.id, fileName, isAnimated: false });
      tx.notify({ type: "realm_emoji", op: "update", realm_emoji: await realmEmoji(tx, realm.id) }, await activeUserIdsInRealm(tx, realm.id), realm.id);
    });
  } catch (e) {
    await removeEmojiFile(deps.config.dataDir, realm.id, fileName).catch(() => {});
    throw e;
  }
}

export async function removeRealmEmoji(deps: ActionDeps, realm: RealmRow, actor: UserRow, name: string): Promise<void> {
  await inTx(deps, async (tx) => {
    const e = await activeRealmEmojiByName(tx, realm.id, name);
    if (!e) throw errors.badRequest(`Emoji '${name}' does not exist`);
    if (!isAdminRole(actor.role) && e.authorId !== actor.id) throw errors.badRequest("Must be an organization administrator or emoji author");
    await deactivateRealmEmojiRow(tx, e.id);
    tx.notify({ type: "realm_emoji", op: "update", realm_emoji: await realmEmoji(tx, realm.id) }, await activeUserIdsInRealm(tx, realm.id), realm.id);
  });
}
