// Avatars, realm icons and realm logos: images in the avatar bucket, tracked in
// stored_images under random keys. Replacing or removing one bumps the version clients
// cache by and tells the realm (realm_user / realm update_dict events); the old object
// is deleted only after the change committed.
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { realmById, updateRealm } from "../db/repo/realms.ts";
import { activeUserIdsInRealm, updateUser, userByEmail, userById, type UserRow } from "../db/repo/users.ts";
import { deleteStoredImage, replaceStoredImage, storedImage, storedImageByKey, type StoredImageRow } from "../db/repo/uploads.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { isAdminRole } from "../domain/roles.ts";
import { avatarUrl } from "../domain/avatars.ts";
import type { FormPart } from "../uploads/multipart.ts";
import { discard } from "../uploads/receive.ts";
import { EXTENSION_FOR, IMAGE_TYPES, sniff } from "../uploads/sniff.ts";
import { randomToken } from "../uploads/names.ts";
import { incomingDir, storageFor } from "../uploads/storage.ts";
import { ImageError, mediumKeyOf, resizeImage, type ImageRole } from "../uploads/images.ts";
import { mkdirSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { receiveSingleFile, dispositionFor } from "./uploads.ts";

const MiB = 1024 * 1024;

export type RealmImageKind = "realm_icon" | "realm_logo" | "realm_night_logo";

export const DEFAULT_REALM_ICON = "/static/images/logo/hearth-icon.svg";
export const DEFAULT_REALM_LOGO = "/static/images/logo/hearth-logo.svg";

interface NewImage {
  role?: ImageRole;
  key: string;
  contentType: string;
  size: number;
  sha256: string;
}

const storedFields = (i: NewImage) => ({ key: i.key, contentType: i.contentType, size: i.size, sha256: i.sha256 });

const badImage = () => new ApiError("BAD_IMAGE", "Could not decode image; did you upload an image file?");

/** Writes bytes to a temp file and moves it to `key` in the avatar bucket. */
async function putBytes(deps: ActionDeps, key: string, bytes: Uint8Array, contentType: string) {
  const dir = incomingDir(deps.config);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `${Date.now()}-${randomToken(16)}.img`);
  await Bun.write(tmp, bytes);
  try {
    await storageFor(deps.config).putFile("avatars", key, tmp, { contentType, contentDisposition: dispositionFor(true, key.split("/").pop()!) });
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/**
 * Receives one image (png, jpeg, gif, webp by its bytes), resizes it for its role (before
 * any transaction: this is the expensive part) and stores it under a fresh random key.
 */
async function receiveImage(
  deps: ActionDeps,
  realm: RealmRow,
  placement: (fields: Map<string, string>) => { prefix: string; role: ImageRole },
  parts: AsyncIterable<FormPart>,
  declaredLength?: number,
): Promise<NewImage> {
  const mib = deps.config.maxAvatarFileSizeMib;
  const { received, fields } = await receiveSingleFile(
    deps, parts, mib * MiB, () => errors.badRequest(`Uploaded file is larger than the allowed limit of ${mib} MiB`), { declaredLength },
  );
  try {
    const type = sniff(received.head);
    if (!type || !IMAGE_TYPES.has(type)) throw badImage();
    const { prefix, role } = placement(fields);
    const original = await Bun.file(received.tmpPath).bytes();
    let resized: Awaited<ReturnType<typeof resizeImage>>;
    try {
      resized = await resizeImage(original, type, role);
    } catch (e) {
      if (e instanceof ImageError) throw badImage();
      throw e;
    }
    const base = `${realm.id}/${prefix}/${randomToken(24)}`;
    const main = resized?.main ?? original;
    const contentType = resized ? "image/png" : type;
    const key = resized ? `${base}.png` : `${base}.${EXTENSION_FOR[type]}`;
    const written: string[] = [];
    try {
      await putBytes(deps, key, main, contentType);
      written.push(key);
      if (resized?.medium) {
        await putBytes(deps, mediumKeyOf(key)!, resized.medium, "image/png");
        written.push(mediumKeyOf(key)!);
      }
    } catch (e) {
      for (const k of written) await storageFor(deps.config).delete("avatars", k).catch(() => {});
      throw e;
    }
    return { key, contentType, size: main.byteLength, sha256: new Bun.CryptoHasher("sha256").update(main).digest("hex"), role };
  } finally {
    await discard(received);
  }
}

async function deleteImageObjects(deps: ActionDeps, key: string) {
  const storage = storageFor(deps.config);
  for (const k of [key, mediumKeyOf(key)]) if (k) await storage.delete("avatars", k);
}

function deleteObjectLater(deps: ActionDeps, tx: { afterCommit(cb: () => Promise<void>): void }, prev: StoredImageRow | undefined) {
  if (!prev) return;
  tx.afterCommit(() => deleteImageObjects(deps, prev.key).catch((err) => deps.log.error("could not delete replaced image", { err, key: prev.key })));
}

async function dropNewObject(deps: ActionDeps, key: string) {
  await deleteImageObjects(deps, key).catch((err) => deps.log.error("could not delete image after a failed change", { err, key }));
}

function avatarPerson(deps: ActionDeps, u: Pick<UserRow, "id" | "deliveryEmail" | "avatarSource" | "avatarVersion">) {
  return {
    user_id: u.id,
    avatar_source: u.avatarSource,
    avatar_url: avatarUrl(deps.config, u, false),
    avatar_url_medium: avatarUrl(deps.config, u, false, true),
    avatar_version: u.avatarVersion,
  };
}

async function changeAvatar(deps: ActionDeps, user: UserRow, image: NewImage | null) {
  try {
    return await inTx(deps, async (tx) => {
      const fresh = (await userById(tx, user.id))!;
      const prev = image
        ? await replaceStoredImage(tx, { realmId: user.realmId, kind: "avatar", ownerId: user.id, ...storedFields(image), createdAt: deps.now() })
        : await deleteStoredImage(tx, user.realmId, "avatar", user.id);
      const next = { ...fresh, avatarSource: image ? "U" : "G", avatarVersion: fresh.avatarVersion + 1 };
      await updateUser(tx, user.id, { avatarSource: next.avatarSource, avatarVersion: next.avatarVersion });
      tx.notify({ type: "realm_user", op: "update", person: avatarPerson(deps, next) }, await activeUserIdsInRealm(tx, user.realmId));
      deleteObjectLater(deps, tx, prev);
      return { avatar_url: avatarUrl(deps.config, next, false)! };
    });
  } catch (e) {
    if (image) await dropNewObject(deps, image.key);
    throw e;
  }
}

/** POST /users/me/avatar */
export async function setAvatar(deps: ActionDeps, realm: RealmRow, user: UserRow, parts: AsyncIterable<FormPart>, declaredLength?: number) {
  const image = await receiveImage(deps, realm, () => ({ prefix: `avatars/${user.id}`, role: "avatar" }), parts, declaredLength);
  return changeAvatar(deps, user, image);
}

/** DELETE /users/me/avatar: back to the default (the generated one, or Gravatar when enabled). */
export async function deleteAvatar(deps: ActionDeps, user: UserRow) {
  return changeAvatar(deps, user, null);
}

/** The target of /avatar/{id_or_email}, when the viewer may see that user (same realm). */
export async function avatarOf(deps: ActionDeps, viewer: UserRow, idOrEmail: string): Promise<{ user: UserRow; image: StoredImageRow | null } | null> {
  const u = /^\d+$/.test(idOrEmail) ? await userById(deps.store, Number(idOrEmail)) : await userByEmail(deps.store, viewer.realmId, idOrEmail.toLowerCase());
  if (!u || u.realmId !== viewer.realmId) return null;
  const image = u.avatarSource === "U" ? ((await storedImage(deps.store, u.realmId, "avatar", u.id)) ?? null) : null;
  return { user: u, image };
}

/** A stored image by its key (avatars bucket): public, like Zulip's world-readable avatar bucket. */
export async function storedImageForKey(deps: ActionDeps, key: string): Promise<StoredImageRow | null> {
  const row = await storedImageByKey(deps.store, key);
  if (row) return row;
  // The 500×500 rendition of an avatar lives beside it, untracked.
  const m = /^(.*)-medium\.png$/.exec(key);
  const base = m ? await storedImageByKey(deps.store, `${m[1]}.png`) : undefined;
  return base && base.kind === "avatar" ? { ...base, key, sha256: `${base.sha256.slice(0, 24)}medium` } : null;
}

// ---- realm icon and logos ------------------------------------------------------------------

const REALM_IMAGE_EVENT: Record<RealmImageKind, { property: string; url: string; source: string }> = {
  realm_icon: { property: "icon", url: "icon_url", source: "icon_source" },
  realm_logo: { property: "logo", url: "logo_url", source: "logo_source" },
  realm_night_logo: { property: "night_logo", url: "night_logo_url", source: "night_logo_source" },
};

export function realmImageUrl(kind: RealmImageKind, image: StoredImageRow | null | undefined): { url: string; source: string } {
  if (image) return { url: `/user_avatars/${image.key}`, source: "U" };
  return kind === "realm_icon" ? { url: DEFAULT_REALM_ICON, source: "G" } : { url: DEFAULT_REALM_LOGO, source: "D" };
}

export async function realmImages(deps: ActionDeps, realmId: number) {
  const out = {} as Record<RealmImageKind, { url: string; source: string }>;
  for (const kind of Object.keys(REALM_IMAGE_EVENT) as RealmImageKind[]) out[kind] = realmImageUrl(kind, await storedImage(deps.store, realmId, kind, 0));
  return out;
}

async function changeRealmImage(deps: ActionDeps, realm: RealmRow, kind: RealmImageKind, image: NewImage | null) {
  try {
    return await inTx(deps, async (tx) => {
      const prev = image
        ? await replaceStoredImage(tx, { realmId: realm.id, kind, ownerId: 0, ...storedFields(image), createdAt: deps.now() })
        : await deleteStoredImage(tx, realm.id, kind, 0);
      const now = realmImageUrl(kind, image ? ({ key: image.key } as StoredImageRow) : null);
      if (kind === "realm_icon") await updateRealm(tx, realm.id, { iconUrl: image ? now.url : null });
      const ev = REALM_IMAGE_EVENT[kind];
      tx.notify({ type: "realm", op: "update_dict", property: ev.property, data: { [ev.url]: now.url, [ev.source]: now.source } }, await activeUserIdsInRealm(tx, realm.id));
      deleteObjectLater(deps, tx, prev);
      return { [ev.url]: now.url };
    });
  } catch (e) {
    if (image) await dropNewObject(deps, image.key);
    throw e;
  }
}

function requireAdmin(actor: UserRow) {
  if (!isAdminRole(actor.role)) throw errors.badRequest("Must be an organization administrator");
}

/**
 * POST /realm/icon, POST /realm/logo. For logos the `night` field (a form field beside the
 * file, as Zulip's web client sends it, or `nightFromQuery`) picks the dark-theme logo.
 */
export async function setRealmImage(
  deps: ActionDeps, realm: RealmRow, actor: UserRow, which: "icon" | "logo", parts: AsyncIterable<FormPart>,
  opts: { nightFromQuery?: boolean; declaredLength?: number } = {},
) {
  requireAdmin(actor);
  let kind: RealmImageKind = "realm_icon";
  const image = await receiveImage(deps, realm, (f) => {
    if (which === "icon") return { prefix: "realm/icon", role: "realm_icon" };
    kind = (isTrue(f.get("night")) ?? opts.nightFromQuery ?? false) ? "realm_night_logo" : "realm_logo";
    return { prefix: "realm/logo", role: "realm_logo" };
  }, parts, opts.declaredLength);
  return changeRealmImage(deps, (await realmById(deps.store, realm.id)) ?? realm, kind, image);
}

function isTrue(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === "true" || s === "1") return true;
  if (s === "false" || s === "0") return false;
  throw errors.invalid("night", "night is not a boolean");
}

/** DELETE /realm/icon, DELETE /realm/logo */
export async function deleteRealmImage(deps: ActionDeps, realm: RealmRow, actor: UserRow, kind: RealmImageKind) {
  requireAdmin(actor);
  return changeRealmImage(deps, realm, kind, null);
}

