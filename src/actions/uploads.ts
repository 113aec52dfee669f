// Message uploads: POST /user_uploads receives one file, streams it to a temp file under
// the size limit, sniffs its type, moves it to its secret key in the storage backend and
// records the attachment, all-or-nothing: a refused or interrupted upload leaves no file
// and no row. Serving decisions (who may read which upload) live in actions/attachments.ts.
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import { insertAttachment, realmUploadSpaceUsed } from "../db/repo/uploads.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { MultipartError, type FormPart } from "../uploads/multipart.ts";
import { LimitExceeded, discard, receiveToTemp, type Received } from "../uploads/receive.ts";
import { servedType } from "../uploads/sniff.ts";
import { newPathId, sanitizeFilename, uploadUrl } from "../uploads/names.ts";
import { incomingDir, storageFor } from "../uploads/storage.ts";
import { attachmentDict } from "./attachments.ts";

const MiB = 1024 * 1024;
/** multipart framing and small fields allowed on top of the file itself */
const FORM_OVERHEAD = 64 * 1024;

export const uploadErrors = {
  disabled: () => errors.badRequest("File uploads are disabled on this server."),
  tooLarge: (mib: number) => errors.badRequest(`Uploaded file is larger than the allowed limit of ${mib} MiB`),
  quota: () => new ApiError("REALM_UPLOAD_QUOTA", "Upload would exceed your organization's upload quota."),
  noFile: () => errors.badRequest("You must specify a file to upload"),
  oneFile: () => errors.badRequest("You may only upload one file at a time"),
  empty: () => errors.badRequest("The uploaded file is empty."),
  interrupted: () => errors.badRequest("The upload was interrupted before the file was complete."),
  malformed: () => errors.badRequest("Malformed multipart request body"),
};

/** Content-Disposition for a stored object: inline only for allowlisted sniffed types. */
export function dispositionFor(inline: boolean, filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `${inline ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** The byte limit for the next upload into `realm`, or an error when uploads are off or the quota is spent. */
async function uploadLimit(deps: ActionDeps, realm: RealmRow): Promise<{ limit: number; quotaBound: boolean }> {
  const max = deps.config.maxFileUploadSizeMib * MiB;
  if (max <= 0) throw uploadErrors.disabled();
  const quota = deps.config.realmUploadQuotaMib * MiB;
  if (quota <= 0) return { limit: max, quotaBound: false };
  const left = quota - (await realmUploadSpaceUsed(deps.store, realm.id));
  if (left <= 0) throw uploadErrors.quota();
  return left < max ? { limit: left, quotaBound: true } : { limit: max, quotaBound: false };
}

/**
 * Receives the single file among `parts` (any field name, as Zulip accepts) into a temp
 * file, refusing it the moment it passes the limit. Plain fields are skipped.
 */
export async function receiveSingleFile(
  deps: ActionDeps,
  parts: AsyncIterable<FormPart>,
  limit: number,
  onLimit: () => ApiError,
  opts: { declaredLength?: number } = {},
): Promise<{ received: Received; filename: string; declaredType?: string; fields: Map<string, string> }> {
  let got: { received: Received; filename: string; declaredType?: string } | null = null;
  const fields = new Map<string, string>();
  // A Content-Length far beyond the limit is refused before a byte of the body is read.
  if (opts.declaredLength !== undefined && opts.declaredLength > limit + FORM_OVERHEAD) throw onLimit();
  try {
    for await (const part of parts) {
      if (part.filename === undefined) {
        // Plain fields (e.g. the realm logo's `night`) are small; anything bigger is not ours.
        const chunks: Uint8Array[] = [];
        let n = 0;
        for await (const c of part.body()) {
          n += c.byteLength;
          if (n > 8192) throw uploadErrors.malformed();
          chunks.push(c);
        }
        fields.set(part.name, Buffer.concat(chunks).toString("utf8"));
        continue;
      }
      if (got) throw uploadErrors.oneFile();
      const filename = sanitizeFilename(part.filename);
      const received = await receiveToTemp(incomingDir(deps.config), part.body(), limit);
      got = { received, filename, declaredType: part.contentType };
    }
    if (!got) throw uploadErrors.noFile();
    if (got.received.size === 0) throw uploadErrors.empty();
    return { ...got, fields };
  } catch (e) {
    await discard(got?.received);
    if (e instanceof LimitExceeded) throw onLimit();
    if (e instanceof MultipartError) throw /ended/.test(e.message) ? uploadErrors.interrupted() : uploadErrors.malformed();
    if (e instanceof ApiError) throw e;
    // The client went away (the body stream errored): nothing is left behind.
    deps.log.info("upload aborted", { err: String((e as Error)?.message ?? e) });
    throw uploadErrors.interrupted();
  }
}

export interface UploadResult {
  url: string;
  filename: string;
  attachmentId: number;
  pathId: string;
}

export async function uploadFile(
  deps: ActionDeps,
  realm: RealmRow,
  user: UserRow,
  parts: AsyncIterable<FormPart>,
  opts: { declaredLength?: number } = {},
): Promise<UploadResult> {
  const { limit, quotaBound } = await uploadLimit(deps, realm);
  const { received, filename } = await receiveSingleFile(
    deps, parts, limit, () => (quotaBound ? uploadErrors.quota() : uploadErrors.tooLarge(deps.config.maxFileUploadSizeMib)), opts,
  );
  const { contentType, inline } = servedType(received.head);
  const pathId = newPathId(realm.id, filename);
  const storage = storageFor(deps.config);
  try {
    await storage.putFile("uploads", pathId, received.tmpPath, { contentType, contentDisposition: dispositionFor(inline, filename) });
  } catch (e) {
    await discard(received);
    throw e;
  }
  try {
    return await inTx(deps, async (tx) => {
      const quota = deps.config.realmUploadQuotaMib * MiB;
      const used = await realmUploadSpaceUsed(tx, realm.id);
      // Re-checked inside the transaction: concurrent uploads may have used the room.
      if (quota > 0 && used + received.size > quota) throw uploadErrors.quota();
      const row = await insertAttachment(tx, {
        realmId: realm.id,
        ownerId: user.id,
        pathId,
        fileName: filename,
        size: received.size,
        contentType,
        sha256: received.sha256,
        createdAt: deps.now(),
      });
      tx.notify({ type: "attachment", op: "add", attachment: attachmentDict(row, []), upload_space_used: used + received.size }, [user.id]);
      return { url: uploadUrl(pathId), filename, attachmentId: row.id, pathId };
    });
  } catch (e) {
    await storage.delete("uploads", pathId).catch((err) => deps.log.error("could not remove an upload after a failed insert", { err, pathId }));
    throw e;
  }
}
