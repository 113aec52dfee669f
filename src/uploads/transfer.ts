// `hearth uploads transfer-to-s3`: copies everything the local backend holds — message
// uploads, avatars, realm icons and logos (Zulip's tool forgets the last two) — to the
// configured S3 buckets, then verifies each object's size and, where the store's ETag is
// an MD5, its checksum. Re-runnable: an object already present with the right size and
// checksum is skipped, so an interrupted run resumes where it stopped.
import { createReadStream, existsSync } from "node:fs";
import type { ActionDeps } from "../actions/deps.ts";
import { allAttachmentsAfter, allStoredImages } from "../db/repo/uploads.ts";
import { INLINE_TYPES } from "./sniff.ts";
import { mediumKeyOf } from "./images.ts";
import { LocalStorage, S3Storage, localUploadsDir, s3SettingsFrom, type Bucket, type ObjectMeta } from "./storage.ts";

export interface TransferItem {
  bucket: Bucket;
  key: string;
  size: number;
  meta: ObjectMeta;
}

export interface TransferProgress {
  total: number;
  done: number;
  copied: number;
  skipped: number;
  failed: number;
  bytes: number;
}

export interface TransferResult extends TransferProgress {
  failures: { bucket: Bucket; key: string; error: string }[];
}

function disposition(inline: boolean, filename: string) {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `${inline ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** Everything the database says the local backend should hold. */
export async function transferItems(deps: ActionDeps): Promise<TransferItem[]> {
  const items: TransferItem[] = [];
  for (let after = 0; ; ) {
    const rows = await allAttachmentsAfter(deps.store, after, 1000);
    if (!rows.length) break;
    for (const a of rows) {
      items.push({ bucket: "uploads", key: a.pathId, size: a.size, meta: { contentType: a.contentType, contentDisposition: disposition(INLINE_TYPES.has(a.contentType), a.fileName) } });
    }
    after = rows[rows.length - 1]!.id;
  }
  const local = new LocalStorage(localUploadsDir(deps.config));
  for (const img of await allStoredImages(deps.store)) {
    items.push({ bucket: "avatars", key: img.key, size: img.size, meta: { contentType: img.contentType, contentDisposition: disposition(true, img.key.split("/").pop()!) } });
    // An avatar's 500×500 rendition sits beside it under a derived key.
    const medium = img.kind === "avatar" ? mediumKeyOf(img.key) : null;
    const st = medium ? await local.stat("avatars", medium) : null;
    if (medium && st) items.push({ bucket: "avatars", key: medium, size: st.size, meta: { contentType: "image/png", contentDisposition: disposition(true, medium.split("/").pop()!) } });
  }
  return items;
}

async function md5Of(path: string): Promise<string> {
  const h = new Bun.CryptoHasher("md5");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Size, and MD5 when the ETag is one (single-part uploads on AWS, MinIO, s3rver…). */
async function mismatch(s3: S3Storage, item: TransferItem, localPath: string, skipChecksum: boolean): Promise<string | null> {
  const st = await s3.stat(item.bucket, item.key);
  if (!st) return "missing in S3";
  if (st.size !== item.size) return `size ${st.size} in S3, ${item.size} expected`;
  if (skipChecksum || !st.etag || !/^[0-9a-f]{32}$/.test(st.etag)) return null;
  const md5 = await md5Of(localPath);
  return st.etag === md5 ? null : `MD5 ${st.etag} in S3, ${md5} locally`;
}

export async function transferToS3(
  deps: ActionDeps,
  opts: { concurrency?: number; onProgress?: (p: TransferProgress) => void } = {},
): Promise<TransferResult> {
  const cfg = deps.config;
  if (!cfg.s3AuthUploadsBucket || !cfg.s3AvatarBucket) {
    throw new Error("set HEARTH_S3_AUTH_UPLOADS_BUCKET and HEARTH_S3_AVATAR_BUCKET (and the endpoint and keys) first");
  }
  const local = new LocalStorage(localUploadsDir(cfg));
  const s3 = new S3Storage(s3SettingsFrom(cfg));
  const items = await transferItems(deps);
  const p: TransferResult = { total: items.length, done: 0, copied: 0, skipped: 0, failed: 0, bytes: 0, failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        const path = local.localPath(item.bucket, item.key);
        if (!existsSync(path)) throw new Error(`missing locally: ${path}`);
        if (!(await mismatch(s3, item, path, cfg.s3SkipChecksum))) {
          p.skipped++;
        } else {
          await s3.upload(item.bucket, item.key, path, item.meta);
          // Some S3-compatible stores acknowledge a PUT before the object reads back in full
          // (s3rver does, on overwrite); give them a moment before calling it a failure.
          let bad = await mismatch(s3, item, path, cfg.s3SkipChecksum);
          for (const ms of [50, 250, 1000]) {
            if (!bad) break;
            await Bun.sleep(ms);
            bad = await mismatch(s3, item, path, cfg.s3SkipChecksum);
          }
          if (bad) throw new Error(`verification failed after upload: ${bad}`);
          p.copied++;
          p.bytes += item.size;
        }
      } catch (e) {
        p.failed++;
        p.failures.push({ bucket: item.bucket, key: item.key, error: String((e as Error)?.message ?? e) });
      }
      p.done++;
      opts.onProgress?.(p);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 6, 64)) }, worker));
  return p;
}
