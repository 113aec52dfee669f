// The process lifecycle, on real processes: graceful SIGTERM (stop accepting, answer
// in-flight requests, close the database), a second signal exits at once, kill -9 during a
// write load loses no acknowledged write, and a binary older than the database refuses to
// start (CLI level).
import { test, expect, describe } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { Database } from "bun:sqlite";
import { DIALECTS, freshDatabase, type FreshDb } from "../helpers/db.ts";
import { openStore } from "../../src/db/client.ts";
import { eq } from "drizzle-orm";

const root = join(import.meta.dir, "../..");
const TOKEN = "t0ken-for-process-tests";

function envFor(db: FreshDb, extra: Record<string, string> = {}) {
  return {
    PATH: process.env.PATH ?? "", HOME: db.dataDir,
    DATABASE_URL: db.url, HEARTH_DATA_DIR: join(db.dataDir, "data"), PORT: "0", HOST: "127.0.0.1",
    HEARTH_LOG_FORMAT: "json", HEARTH_METRICS_TOKEN: TOKEN, HEARTH_SHUTDOWN_GRACE_SECONDS: "10", ...extra,
  };
}

/** Starts a process and collects its stdout lines; resolves `waitFor` when a line matches. */
function start(cmd: string[], env: Record<string, string>) {
  const proc = Bun.spawn(cmd, { cwd: root, env, stdout: "pipe", stderr: "pipe" });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of proc.stdout as unknown as AsyncIterable<Uint8Array>) {
      buf += dec.decode(chunk);
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        for (const w of waiters.splice(0)) (w.re.test(line) ? w.resolve(line) : waiters.push(w));
      }
    }
  })();
  const stderr = new Response(proc.stderr).text();
  return {
    proc, lines, stderr,
    waitFor(re: RegExp, ms = 20_000): Promise<string> {
      const hit = lines.find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        setTimeout(() => reject(new Error(`timed out waiting for ${re}; got:\n${lines.join("\n")}`)), ms);
      });
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`process lifecycle [${dialect}]`, () => {
    test("hearth serve: SIGTERM stops accepting, finishes the request in flight, runs stop hooks, closes the database", async () => {
      const db = await freshDatabase(dialect);
      try {
        const p = start([process.execPath, "test/ops/fixtures/slow-server.ts"], { ...envFor(db), SLOW_MS: "1500" });
        const port = JSON.parse(await p.waitFor(/"msg":"port"/)).port as number;
        const base = `http://127.0.0.1:${port}`;
        expect((await fetch(`${base}/__lbheartbeat__`)).status).toBe(200);
        const inflight = fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
        await Bun.sleep(300);
        p.proc.kill("SIGTERM");
        await p.waitFor(/shutting down/);
        await Bun.sleep(100);
        // New connections are refused while the old request is still being answered…
        await expect(fetch(`${base}/__lbheartbeat__`)).rejects.toThrow();
        // …and the request in flight gets its full answer.
        const res = await inflight;
        expect(res.status).toBe(200);
        expect(await res.text()).toContain("hearth_test_slow 1");
        expect(await p.proc.exited).toBe(0);
        expect(p.lines.some((l) => l.includes("stop hook ran"))).toBe(true);
        expect(p.lines.at(-1)).toContain('"msg":"stopped"');
        if (dialect === "sqlite") {
          // The store was closed: the single-process lock is released.
          expect(existsSync(join(db.dataDir, "data/hearth.db.lock"))).toBe(false);
        }
      } finally {
        await db.drop();
      }
    }, 60_000);

    test("a second signal exits at once, without waiting for the request in flight", async () => {
      const db = await freshDatabase(dialect);
      try {
        const p = start([process.execPath, "test/ops/fixtures/slow-server.ts"], { ...envFor(db), SLOW_MS: "8000" });
        const port = JSON.parse(await p.waitFor(/"msg":"port"/)).port as number;
        const inflight = fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }).catch((e) => e);
        await Bun.sleep(300);
        const t0 = performance.now();
        p.proc.kill("SIGTERM");
        await p.waitFor(/shutting down/);
        p.proc.kill("SIGTERM");
        expect(await p.proc.exited).toBe(1);
        expect(performance.now() - t0).toBeLessThan(4000);
        expect(await p.stderr).toContain("second SIGTERM, exiting now");
        await inflight;
      } finally {
        await db.drop();
      }
    }, 60_000);

    test("the real `hearth serve` command shuts down cleanly on SIGTERM", async () => {
      const db = await freshDatabase(dialect);
      try {
        const p = start([process.execPath, "src/main.ts", "serve"], envFor(db));
        const line = await p.waitFor(/"msg":"listening"/);
        const url = JSON.parse(line).url as string;
        expect((await fetch(`${url}/__heartbeat__`)).status).toBe(200);
        p.proc.kill("SIGTERM");
        expect(await p.proc.exited).toBe(0);
        expect(p.lines.at(-1)).toContain('"msg":"stopped"');
      } finally {
        await db.drop();
      }
    }, 60_000);

    test("kill -9 during a write load: every acknowledged write is there after restart", async () => {
      const db = await freshDatabase(dialect);
      try {
        const p = start([process.execPath, "test/ops/fixtures/writer.ts"], envFor(db, { WRITERS: "4" }));
        // Let a few hundred writes be acknowledged, then kill without warning.
        await p.waitFor(/^ok /);
        const deadline = Date.now() + 15_000;
        while (p.lines.filter((l) => l.startsWith("ok ")).length < 300 && Date.now() < deadline) await Bun.sleep(20);
        p.proc.kill("SIGKILL");
        await p.proc.exited;
        const acked = p.lines.filter((l) => l.startsWith("ok ")).map((l) => {
          const [, id, email] = l.split(" ");
          return { id: Number(id), email: email! };
        });
        expect(acked.length).toBeGreaterThanOrEqual(100);
        // Restart: open the database as a new server would (lock takeover, migrations check).
        const store = await openStore({ url: db.url, dataDir: join(db.dataDir, "data"), exclusive: true });
        try {
          const rows = await store.db.select({ id: store.t.users.id, email: store.t.users.email }).from(store.t.users);
          const byId = new Map(rows.map((r) => [r.id, r.email]));
          const lost = acked.filter((a) => byId.get(a.id) !== a.email);
          expect(lost).toEqual([]);
          // Nothing half-written either: every row is a complete user.
          const [bad] = await store.db.select({ id: store.t.users.id }).from(store.t.users).where(eq(store.t.users.apiKey, ""));
          expect(bad).toBeUndefined();
          console.log(`kill -9 [${dialect}]: ${acked.length} acknowledged writes, ${rows.length} rows after restart, 0 lost`);
        } finally {
          await store.close();
        }
      } finally {
        await db.drop();
      }
    }, 60_000);

    test("kill -9 during a message SEND load over HTTP: every message whose POST /messages succeeded is there after restart", async () => {
      const db = await freshDatabase(dialect);
      // A load test, not a rate-limit test: the per-user API limit would refuse most sends.
      const env = envFor(db, { HEARTH_RATE_LIMIT_PER_MINUTE: "0" });
      const boot = async () => {
        const p = start([process.execPath, "test/ops/fixtures/message-server.ts"], env);
        const info = JSON.parse(await p.waitFor(/^\{"port"/, 30_000)) as { port: number; users: { id: number; email: string; apiKey: string }[] };
        return { p, info, url: `http://127.0.0.1:${info.port}`, auth: "Basic " + btoa(`${info.users[0]!.email}:${info.users[0]!.apiKey}`) };
      };
      try {
        const s = await boot();
        const peer = s.info.users[1]!.id;
        const acked: { id: number; content: string }[] = [];
        let failed = 0;
        const rejected: string[] = [];
        let stop = false;
        // Four concurrent Zulip clients, stream messages and DMs mixed; a send counts only
        // when the server answered success with its id.
        const client = async (w: number) => {
          for (let i = 0; !stop; i++) {
            const content = `load ${w}/${i} ${crypto.randomUUID()}`;
            const body = i % 2 ? new URLSearchParams({ type: "stream", to: "load", topic: `t${w}`, content })
              : new URLSearchParams({ type: "direct", to: JSON.stringify([peer]), content });
            try {
              const res = await fetch(`${s.url}/api/v1/messages`, { method: "POST", headers: { authorization: s.auth }, body });
              const j = (await res.json()) as { result: string; id: number };
              if (res.status === 200 && j.result === "success") acked.push({ id: j.id, content });
              else rejected.push(`${res.status} ${JSON.stringify(j)}`);
            } catch {
              failed++; // the connection died with the server: not acknowledged
              await Bun.sleep(5);
            }
          }
        };
        const clients = [0, 1, 2, 3].map(client);
        const deadline = Date.now() + 20_000;
        while (acked.length < 200 && Date.now() < deadline) await Bun.sleep(20);
        s.p.proc.kill("SIGKILL");
        await s.p.proc.exited;
        await Bun.sleep(100);
        stop = true;
        await Promise.all(clients);
        expect(acked.length).toBeGreaterThanOrEqual(50);
        // While it ran, the server refused nothing (no deadlock or other error answers);
        // sends only failed by losing their connection to the killed process.
        expect(rejected).toEqual([]);
        // Restart the server on the same database; read through the API what was acknowledged.
        const r = await boot();
        try {
          const lost: number[] = [];
          for (let i = 0; i < acked.length; i += 200) {
            const chunk = acked.slice(i, i + 200);
            const narrow = JSON.stringify([{ operator: "sender", operand: s.info.users[0]!.id }]);
            const q = new URLSearchParams({ anchor: String(chunk[0]!.id), num_before: "0", num_after: String(chunk.length * 2 + 50), narrow, apply_markdown: "false" });
            const res = await fetch(`${r.url}/api/v1/messages?${q}`, { headers: { authorization: r.auth } });
            const j = (await res.json()) as { messages: { id: number; content: string }[] };
            const got = new Map(j.messages.map((m) => [m.id, m.content]));
            for (const a of chunk) if (got.get(a.id) !== a.content) lost.push(a.id);
          }
          expect(lost).toEqual([]);
          // And the database is consistent: every message has its sender and its conversation.
          const store = await openStore({ url: db.url, dataDir: join(db.dataDir, "data") });
          try {
            const msgs = await store.db.select().from(store.t.messages);
            const userIds = new Set((await store.db.select({ id: store.t.users.id }).from(store.t.users)).map((u) => u.id));
            expect(msgs.filter((m) => !userIds.has(m.senderId))).toEqual([]);
            expect(msgs.filter((m) => (m.streamId === null) === (m.dmGroupId === null))).toEqual([]);
            console.log(`kill -9 send load [${dialect}]: ${acked.length} sends acknowledged, ${failed} lost their connection, ${msgs.length} messages after restart, 0 lost`);
          } finally {
            await store.close();
          }
        } finally {
          r.p.proc.kill("SIGKILL");
          await r.p.proc.exited;
        }
      } finally {
        await db.drop();
      }
    }, 90_000);

    test("downgrade protection at the CLI: a database from a newer Hearth is refused by serve, migrate and backup", async () => {
      const db = await freshDatabase(dialect);
      try {
        const env = envFor(db);
        const run = (args: string[]) => {
          const r = Bun.spawnSync([process.execPath, "src/main.ts", ...args], { cwd: root, env });
          return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
        };
        expect(run(["migrate"]).code).toBe(0);
        if (dialect === "pg") {
          const sql = postgres(db.url, { max: 1, onnotice: () => {} });
          await sql`INSERT INTO hearth_migrations (id, checksum, applied_at) VALUES ('9999_from_a_newer_hearth', 'x', ${Date.now()})`;
          await sql.end();
        } else {
          const conn = new Database(join(db.dataDir, "data/hearth.db"));
          conn.query("INSERT INTO hearth_migrations (id, checksum, applied_at) VALUES ('9999_from_a_newer_hearth', 'x', ?)").run(Date.now());
          conn.close();
        }
        for (const args of [["serve"], ["migrate"], ["backup", "--output", join(db.dataDir, "b.tar.gz")]]) {
          const r = run(args);
          expect({ args, code: r.code }).toEqual({ args, code: 1 });
          expect(r.err).toMatch(/newer than this Hearth binary|migrations this binary does not know/);
          expect(r.err).toContain("9999_from_a_newer_hearth");
          expect(r.err).not.toContain("    at "); // a sentence, not a stack trace
        }
        expect(existsSync(join(db.dataDir, "b.tar.gz"))).toBe(false);
      } finally {
        await db.drop();
      }
    }, 60_000);
  });
}
