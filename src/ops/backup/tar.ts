// A minimal ustar writer and reader, gzip-compressed: enough for our own archives (regular
// files only), and readable by `tar tzf` / `tar xzf` so an operator can look inside.
import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";
import { createGunzip, createGzip, type Gzip } from "node:zlib";
import { once } from "node:events";

const BLOCK = 512;

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = "";
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`path too long for the archive: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const put = (s: string, off: number, len: number) => h.write(s, off, len, "utf8");
  const oct = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, "0") + "\0", off, len);
  put(base, 0, 100);
  oct(0o600, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(Math.floor(mtime / 1000), 136, 12);
  h.fill(" ", 148, 156);
  put("0", 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

export class TarWriter {
  private gz: Gzip;
  private out: WriteStream;
  private done: Promise<unknown>;

  constructor(path: string) {
    this.out = createWriteStream(path, { mode: 0o600 });
    this.gz = createGzip({ level: 6 });
    this.gz.pipe(this.out);
    this.done = once(this.out, "close");
  }

  private async write(buf: Buffer) {
    if (!this.gz.write(buf)) await once(this.gz, "drain");
  }

  async addBuffer(name: string, data: Buffer) {
    await this.write(header(name, data.length, Date.now()));
    await this.write(data);
    await this.pad(data.length);
  }

  async addFile(name: string, path: string, size: number) {
    await this.write(header(name, size, Date.now()));
    let n = 0;
    for await (const chunk of createReadStream(path)) {
      n += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (n !== size) throw new Error(`${path} changed size while being archived`);
    await this.pad(size);
  }

  private async pad(size: number) {
    const rem = size % BLOCK;
    if (rem) await this.write(Buffer.alloc(BLOCK - rem));
  }

  async finish() {
    await this.write(Buffer.alloc(BLOCK * 2));
    this.gz.end();
    await this.done;
  }
}

/** Extracts regular files into `dir`, refusing paths that would escape it. Returns the names. */
export async function extractTar(path: string, dir: string): Promise<string[]> {
  const names: string[] = [];
  let buf: Buffer = Buffer.alloc(0);
  let file: { name: string; remaining: number; pad: number; out: WriteStream | null } | null = null;
  let zeroBlocks = 0;
  const stream = createReadStream(path).pipe(createGunzip());
  for await (const chunk of stream) {
    buf = buf.length ? Buffer.concat([buf, chunk as Buffer]) : (chunk as Buffer);
    for (;;) {
      if (file) {
        if (file.remaining > 0) {
          if (buf.length === 0) break;
          const take = Math.min(file.remaining, buf.length);
          if (file.out && !file.out.write(buf.subarray(0, take))) await once(file.out, "drain");
          file.remaining -= take;
          buf = buf.subarray(take);
          continue;
        }
        if (buf.length < file.pad) break;
        buf = buf.subarray(file.pad);
        if (file.out) {
          file.out.end();
          await once(file.out, "close");
        }
        file = null;
        continue;
      }
      if (buf.length < BLOCK) break;
      const h = buf.subarray(0, BLOCK);
      buf = buf.subarray(BLOCK);
      if (h.every((b) => b === 0)) {
        zeroBlocks++;
        continue;
      }
      const str = (off: number, len: number) => h.toString("utf8", off, off + len).replace(/\0.*$/s, "");
      const size = parseInt(str(124, 12).trim() || "0", 8);
      const type = str(156, 1) || "0";
      const prefix = str(345, 155);
      const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
      const rem = size % BLOCK;
      let out: WriteStream | null = null;
      if (type === "0") {
        const target = normalize(join(dir, name));
        if (!target.startsWith(normalize(dir) + sep) || name.startsWith("/")) throw new Error(`unsafe path in archive: ${name}`);
        mkdirSync(dirname(target), { recursive: true });
        out = createWriteStream(target, { mode: 0o600 });
        names.push(name);
      }
      file = { name, remaining: size, pad: rem ? BLOCK - rem : 0, out };
    }
  }
  if (file) throw new Error(`archive is truncated (in ${file.name})`);
  if (zeroBlocks < 1) throw new Error("archive is truncated (no end-of-archive marker)");
  return names;
}
