// The HTTP floor, as ratios in one run: a bare Bun.serve answer, Hearth's /health (the Hono
// stack, logging, request id), and GET /api/v1/users/me (realm lookup, Basic auth against
// the database, the user object, OpenAPI-shaped JSON) on SQLite and on PostgreSQL.
//   bun bench/http.bench.ts [--seconds 5] [--concurrency 32]
import { closedLoop, spawnHearth, machine } from "./lib.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const seconds = arg("seconds", 5);
const concurrency = arg("concurrency", 32);
const pgUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function bareServer() {
  const proc = Bun.spawn([process.execPath, "-e", `const s = Bun.serve({port: 0, fetch: () => Response.json({result:"success",msg:""})}); process.stdout.write(String(s.port) + "\\n"); setInterval(() => {}, 1e9);`], { stdout: "pipe" });
  const reader = proc.stdout.getReader();
  const { value } = await reader.read();
  const port = Number(new TextDecoder().decode(value).trim());
  return { base: `http://127.0.0.1:${port}`, stop: async () => { proc.kill(); await proc.exited; } };
}

const rows: string[] = [];
const report = (name: string, r: Awaited<ReturnType<typeof closedLoop>>, ref?: number) =>
  rows.push(`| ${name} | ${Math.round(r.rps)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} | ${ref ? (r.rps / ref).toFixed(2) : "1.00"} |`);

const b = await bareServer();
const floor = await closedLoop(() => new Request(`${b.base}/`), { concurrency, seconds });
await b.stop();
report("bare Bun.serve JSON", floor);

for (const [label, env] of [["sqlite", {}], ["pg", { DATABASE_URL: "" }]] as const) {
  let envs: Record<string, string> = { ...env };
  if (label === "pg") {
    const name = `hearth_bench_${Date.now()}`;
    const admin = (await import("postgres")).default(pgUrl, { max: 1 });
    try {
      await admin.unsafe(`CREATE DATABASE ${name}`);
    } catch (e) {
      console.error(`skipping PostgreSQL: ${(e as Error).message}`);
      await admin.end();
      continue;
    }
    await admin.end();
    const u = new URL(pgUrl);
    u.pathname = `/${name}`;
    envs = { DATABASE_URL: u.toString() };
  }
  const s = await spawnHearth(envs);
  const auth = "Basic " + Buffer.from(`${s.email}:${s.apiKey}`).toString("base64");
  const health = await closedLoop(() => new Request(`${s.base}/health`), { concurrency, seconds });
  report(`Hearth /health [${label}]`, health, floor.rps);
  const me = await closedLoop(() => new Request(`${s.base}/api/v1/users/me`, { headers: { authorization: auth } }), { concurrency, seconds });
  report(`Hearth GET /api/v1/users/me [${label}]`, me, floor.rps);
  await s.stop();
}

console.log(`machine: ${machine()}; ${concurrency} closed loops × ${seconds} s each, load generator in this process (Bun fetch), servers in their own processes, all on loopback`);
console.log("| case | req/s | p50 ms | p99 ms | errors | ratio to bare |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
