// Shared pieces of the benchmarks: a bounded closed-loop HTTP load generator on loopback,
// percentiles, and a server started as a separate process (so the load generator does
// not share its event loop).
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

/** `concurrency` loops each sending `make()` back to back for `seconds`. */
export async function closedLoop(make: () => Request, opts: { concurrency: number; seconds: number; expect?: number }): Promise<LoadResult> {
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + opts.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const r = await fetch(make());
          await r.arrayBuffer();
          if (r.status !== (opts.expect ?? 200)) errors++;
        } catch {
          errors++;
        }
        lat.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  return { requests: lat.length, errors, rps: lat.length / elapsed, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

export interface SpawnedServer {
  base: string;
  dir: string;
  stop(): Promise<void>;
}

/** `hearth serve` from source in a temp data dir, with a user created first. */
export async function spawnHearth(env: Record<string, string> = {}): Promise<SpawnedServer & { email: string; apiKey: string }> {
  const root = join(import.meta.dir, "..");
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  // Rate limits off: the benchmark measures the request path, not the limiter refusing it.
  const baseEnv = { PATH: process.env.PATH ?? "", HEARTH_DATA_DIR: dir, HEARTH_LOG_LEVEL: "warn", HEARTH_RATE_LIMIT_PER_MINUTE: "0", HEARTH_AUTH_RATE_LIMIT_PER_MINUTE: "0", ...env };
  const created = Bun.spawnSync([process.execPath, join(root, "src/main.ts"), "user", "create", "--email", "bench@example.com", "--full-name", "Bench", "--role", "owner", "--json"], { env: baseEnv });
  const { api_key } = JSON.parse(created.stdout.toString());
  const port = 30000 + Math.floor(Math.random() * 20000);
  const proc = Bun.spawn([process.execPath, join(root, "src/main.ts"), "serve", "--port", String(port)], { env: baseEnv, stdout: "ignore", stderr: "inherit" });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/ready`)).status === 200) break;
    } catch {}
    await Bun.sleep(100);
  }
  return {
    base, dir, email: "bench@example.com", apiKey: api_key,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

export function machine(): string {
  const os = require("node:os");
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Bun ${Bun.version}`;
}
