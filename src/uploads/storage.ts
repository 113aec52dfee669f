// The storage port: where upload, avatar, realm icon and logo bytes live. Two backends:
// a local directory (Zulip's LOCAL_UPLOADS_DIR layout: files/ and avatars/) and S3 or an
// S3-compatible store through Bun.S3Client (two buckets: uploads, never world-readable;
// avatars, which may be). Incoming bytes always land in a temp file first (received.ts),
// so a half-received upload is never visible under its final key on either backend.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import type { Config } from "../config/definition.ts";

export type Bucket = "uploads" | "avatars";

export interface ObjectMeta {
  contentType: string;
  /** e.g. `attachment; filename*=UTF-8''x.txt`; S3 serves it back on presigned GETs */
  contentDisposition?: string;
}

export interface ObjectInfo {
  size: number;
  /** S3's ETag without quotes (the MD5 for single-part uploads) */
  etag?: string;
}

export interface Storage {
  readonly kind: "local" | "s3";
  /** Moves a completed temp file to its key (consumes the temp file). */
  putFile(bucket: Bucket, key: string, tmpPath: string, meta: ObjectMeta): Promise<void>;
  stat(bucket: Bucket, key: string): Promise<ObjectInfo | null>;
  /** Idempotent: deleting a missing object succeeds. */
  delete(bucket: Bucket, key: string): Promise<void>;
  /** Local backend: the file's path on disk. */
  localPath?(bucket: Bucket, key: string): string;
  /** S3 backend: a GET URL valid for `expiresIn` seconds. */
  presign?(bucket: Bucket, key: string, expiresIn: number): string;
  /** Every key in a bucket (transfer-to-s3, consistency checks). */
  list(bucket: Bucket): AsyncIterable<{ key: string; size: number }>;
}

export function localUploadsDir(config: Pick<Config, "localUploadsDir" | "dataDir">): string {
  return resolve(config.localUploadsDir || join(config.dataDir, "uploads"));
}

/** Where request bodies are received before they move to their key (both backends). */
export function incomingDir(config: Pick<Config, "localUploadsDir" | "dataDir">): string {
  return join(localUploadsDir(config), ".incoming");
}

const LOCAL_SUBDIR: Record<Bucket, string> = { uploads: "files", avatars: "avatars" };

/** Keys come from our database, but a key that escapes its directory is refused anyway. */
function safeKey(key: string) {
  if (!key || key.startsWith("/") || key.includes("\\") || key.includes("\0") || key.split("/").some((s) => s === ".." || s === "." || s === "")) {
    throw new Error(`refusing storage key ${JSON.stringify(key)}`);
  }
  return key;
}

export class LocalStorage implements Storage {
  readonly kind = "local" as const;
  constructor(readonly root: string) {}

  localPath(bucket: Bucket, key: string): string {
    const base = join(this.root, LOCAL_SUBDIR[bucket]);
    const p = resolve(base, safeKey(key));
    if (!p.startsWith(base + sep)) throw new Error("storage key escapes its directory");
    return p;
  }

  async putFile(bucket: Bucket, key: string, tmpPath: string, _meta: ObjectMeta): Promise<void> {
    const p = this.localPath(bucket, key);
    mkdirSync(dirname(p), { recursive: true });
    // Same filesystem (the temp dir is inside the uploads dir), so this is atomic.
    renameSync(tmpPath, p);
  }

  async stat(bucket: Bucket, key: string): Promise<ObjectInfo | null> {
    try {
      const st = statSync(this.localPath(bucket, key));
      return st.isFile() ? { size: st.size } : null;
    } catch {
      return null;
    }
  }

  async delete(bucket: Bucket, key: string): Promise<void> {
    const p = this.localPath(bucket, key);
    await unlink(p).catch((e) => {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    });
    // Remove the now-empty random directories (files/{realm}/{xx}/{random}/).
    const stop = join(this.root, LOCAL_SUBDIR[bucket]);
    for (let d = dirname(p); d.startsWith(stop + sep); d = dirname(d)) {
      try {
        if (readdirSync(d).length) break;
        rmSync(d, { recursive: false, force: true });
      } catch {
        break;
      }
    }
  }

  async *list(bucket: Bucket): AsyncIterable<{ key: string; size: number }> {
    const base = join(this.root, LOCAL_SUBDIR[bucket]);
    if (!existsSync(base)) return;
    for (const rel of readdirSync(base, { recursive: true }).map(String).sort()) {
      const st = statSync(join(base, rel));
      if (st.isFile()) yield { key: rel.split(sep).join("/"), size: st.size };
    }
  }
}

export interface S3Settings {
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  uploadsBucket: string;
  avatarBucket: string;
  storageClass?: string;
}

export class S3Storage implements Storage {
  readonly kind = "s3" as const;
  private clients: Record<Bucket, Bun.S3Client>;
  constructor(readonly settings: S3Settings) {
    const base = {
      endpoint: settings.endpoint || undefined,
      region: settings.region || undefined,
      accessKeyId: settings.accessKeyId || undefined,
      secretAccessKey: settings.secretAccessKey || undefined,
    };
    this.clients = {
      uploads: new Bun.S3Client({ ...base, bucket: settings.uploadsBucket }),
      avatars: new Bun.S3Client({ ...base, bucket: settings.avatarBucket }),
    };
  }

  async putFile(bucket: Bucket, key: string, tmpPath: string, meta: ObjectMeta): Promise<void> {
    try {
      await this.upload(bucket, key, tmpPath, meta);
    } finally {
      await unlink(tmpPath).catch(() => {});
    }
  }

  /** Uploads a local file, leaving it in place (transfer-to-s3). */
  async upload(bucket: Bucket, key: string, path: string, meta: ObjectMeta): Promise<void> {
    {
      await this.clients[bucket].write(safeKey(key), Bun.file(path), {
        type: meta.contentType,
        contentDisposition: meta.contentDisposition,
        // Zulip applies the storage class to message uploads only.
        storageClass: bucket === "uploads" && this.settings.storageClass ? (this.settings.storageClass as never) : undefined,
      });
    }
  }

  async stat(bucket: Bucket, key: string): Promise<ObjectInfo | null> {
    try {
      const st = await this.clients[bucket].stat(safeKey(key));
      return { size: st.size, etag: st.etag?.replace(/"/g, "") };
    } catch (e) {
      if ((e as { code?: string }).code === "NoSuchKey" || /not ?found|NoSuchKey|404/i.test(String((e as Error).message))) return null;
      throw e;
    }
  }

  async delete(bucket: Bucket, key: string): Promise<void> {
    await this.clients[bucket].delete(safeKey(key));
  }

  presign(bucket: Bucket, key: string, expiresIn: number): string {
    return this.clients[bucket].presign(safeKey(key), { expiresIn, method: "GET" });
  }

  async *list(bucket: Bucket): AsyncIterable<{ key: string; size: number }> {
    let token: string | undefined;
    for (;;) {
      const page = await this.clients[bucket].list({ continuationToken: token, maxKeys: 1000 });
      for (const o of page.contents ?? []) yield { key: o.key, size: o.size ?? 0 };
      if (!page.isTruncated || !page.nextContinuationToken) return;
      token = page.nextContinuationToken;
    }
  }
}

export function s3SettingsFrom(config: Config): S3Settings {
  return {
    endpoint: config.s3EndpointUrl,
    region: config.s3Region,
    accessKeyId: config.s3AccessKey,
    secretAccessKey: config.s3SecretKey,
    uploadsBucket: config.s3AuthUploadsBucket,
    avatarBucket: config.s3AvatarBucket,
    storageClass: config.s3UploadsStorageClass,
  };
}

// One Storage per loaded configuration (tests run apps with different configs side by side).
const byConfig = new WeakMap<Config, Storage>();

/** The configured backend. */
export function storageFor(config: Config): Storage {
  let s = byConfig.get(config);
  if (!s) {
    if (config.uploadsBackend === "s3") {
      if (!config.s3AuthUploadsBucket || !config.s3AvatarBucket) {
        throw new Error("HEARTH_UPLOADS_BACKEND=s3 needs HEARTH_S3_AUTH_UPLOADS_BUCKET and HEARTH_S3_AVATAR_BUCKET");
      }
      s = new S3Storage(s3SettingsFrom(config));
    } else {
      s = new LocalStorage(localUploadsDir(config));
    }
    byConfig.set(config, s);
  }
  return s;
}
