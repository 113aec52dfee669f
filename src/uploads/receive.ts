// Receiving bytes into a temp file while counting them: the limit is enforced as the
// bytes arrive, and on any failure (limit, client gone, malformed body) the partial file
// is removed before the error propagates.
import { mkdirSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { randomToken } from "./names.ts";
import { SNIFF_BYTES } from "./sniff.ts";

export class LimitExceeded extends Error {
  constructor(readonly limit: number) {
    super("limit exceeded");
    this.name = "LimitExceeded";
  }
}

export interface Received {
  tmpPath: string;
  size: number;
  sha256: string;
  md5: string;
  /** the first bytes, for sniffing */
  head: Uint8Array;
}

export async function receiveToTemp(dir: string, chunks: AsyncIterable<Uint8Array>, limit: number): Promise<Received> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmpPath = join(dir, `${Date.now()}-${randomToken(16)}.part`);
  const sink = Bun.file(tmpPath).writer({ highWaterMark: 1024 * 1024 });
  const sha = new Bun.CryptoHasher("sha256");
  const md5 = new Bun.CryptoHasher("md5");
  let size = 0;
  let head = new Uint8Array(0);
  try {
    for await (const chunk of chunks) {
      size += chunk.byteLength;
      if (size > limit) throw new LimitExceeded(limit);
      if (head.length < SNIFF_BYTES) {
        const more = chunk.subarray(0, SNIFF_BYTES - head.length);
        const h = new Uint8Array(head.length + more.length);
        h.set(head);
        h.set(more, head.length);
        head = h;
      }
      sha.update(chunk);
      md5.update(chunk);
      const pending = sink.write(chunk);
      if (pending instanceof Promise) await pending;
    }
    await sink.end();
  } catch (e) {
    try {
      await sink.end();
    } catch {
      /* the file is removed below anyway */
    }
    await unlink(tmpPath).catch(() => {});
    throw e;
  }
  return { tmpPath, size, sha256: sha.digest("hex"), md5: md5.digest("hex"), head };
}

export async function discard(r: Received | null | undefined) {
  if (r) await unlink(r.tmpPath).catch(() => {});
}
