// Upload test helpers: a real S3-protocol server (s3rver) on loopback, raw file fetches,
// and checks that nothing was left behind on disk, in the bucket or in the database.
import S3rver from "s3rver";
import { mkdtempSync, readdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestEnv } from "./app.ts";
import { incomingDir, storageFor } from "../../src/uploads/storage.ts";

export const PNG_1x1 = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

export interface S3Server {
  endpoint: string;
  dir: string;
  close(): Promise<void>;
}

/** s3rver in-process on 127.0.0.1, port 0, with the given buckets, in a temp directory. */
export async function startS3(buckets: string[]): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-s3-"));
  const srv = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) } as never);
  const addr = (await srv.run()) as unknown as { port: number };
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    dir,
    async close() {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function s3Config(s3: S3Server, prefix: string) {
  return {
    uploadsBackend: "s3",
    s3EndpointUrl: s3.endpoint,
    s3Region: "us-east-1",
    s3AccessKey: "S3RVER",
    s3SecretKey: "S3RVER",
    s3AuthUploadsBucket: `${prefix}-uploads`,
    s3AvatarBucket: `${prefix}-avatars`,
  };
}

export function basic(u: { email: string; apiKey: string }) {
  return "Basic " + Buffer.from(`${u.email}:${u.apiKey}`).toString("base64");
}

/** GET a non-API path through the app (no socket), optionally following our own and S3's redirects. */
export async function getFile(t: TestEnv, path: string, opts: { as?: { email: string; apiKey: string } | null; headers?: Record<string, string>; host?: string; follow?: boolean } = {}) {
  const headers = new Headers(opts.headers);
  if (opts.as) headers.set("authorization", basic(opts.as));
  let res = await t.app.http.fetch(new Request(`http://${opts.host ?? "testserver"}${path}`, { headers }));
  let hops = 0;
  while (opts.follow && res.status === 302 && hops++ < 3) {
    const loc = res.headers.get("location")!;
    res = loc.startsWith("/") ? await t.app.http.fetch(new Request(`http://${opts.host ?? "testserver"}${loc}`, { headers })) : await fetch(loc);
  }
  return res;
}

/** Files left in the temp (incoming) directory. */
export function incomingFiles(t: TestEnv): string[] {
  const d = incomingDir(t.deps.config);
  return existsSync(d) ? readdirSync(d) : [];
}

/** Every object key in the uploads bucket (either backend). */
export async function storedKeys(t: TestEnv, bucket: "uploads" | "avatars" = "uploads"): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storageFor(t.deps.config).list(bucket)) out.push(o.key);
  return out;
}

/** A multipart body as a stream we control: counts what the server pulled, can fail midway. */
export function streamingMultipart(opts: { filename: string; size: number; failAfter?: number; chunk?: number }) {
  const boundary = "----hearthtest" + Math.random().toString(16).slice(2);
  const head = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${opts.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const chunk = opts.chunk ?? 64 * 1024;
  let sent = 0;
  const state = { pulled: 0 };
  let phase = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (phase === 0) {
        phase = 1;
        state.pulled += head.length;
        ctrl.enqueue(head);
        return;
      }
      if (phase === 1) {
        if (opts.failAfter !== undefined && sent >= opts.failAfter) {
          ctrl.error(new Error("client went away"));
          return;
        }
        const n = Math.min(chunk, opts.size - sent);
        if (n > 0) {
          sent += n;
          state.pulled += n;
          ctrl.enqueue(new Uint8Array(n).fill(120));
          return;
        }
        phase = 2;
        state.pulled += tail.length;
        ctrl.enqueue(tail);
        return;
      }
      ctrl.close();
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}`, state };
}
