// Several nodes on one PostgreSQL database: an event made on node A reaches a queue
// registered on node B, over long-poll and over WebSocket; big batches go through the
// spill table; cache invalidations reach every node. Two real server processes.
import { test, expect, beforeAll, afterAll, describe } from "bun:test";
import { join } from "node:path";
import postgres from "postgres";
import { createApp, type App } from "../../src/app/app.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { createUser } from "../../src/actions/users.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { DIALECTS, freshDatabase, type FreshDb } from "../helpers/db.ts";
import { testConfig } from "../helpers/app.ts";
import { validateEvent } from "../helpers/openapi.ts";

class Node {
  lines: any[] = [];
  private waiters: (() => void)[] = [];
  private seq = 0;
  port = 0;
  constructor(readonly proc: ReturnType<typeof Bun.spawn>) {
    (async () => {
      let buf = "";
      for await (const chunk of proc.stdout as unknown as AsyncIterable<Uint8Array>) {
        buf += new TextDecoder().decode(chunk);
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          this.lines.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
          for (const w of this.waiters.splice(0)) w();
        }
      }
    })();
  }
  static async spawn(db: FreshDb): Promise<Node> {
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, "node-process.ts")], {
      env: { ...process.env, NODE_DATABASE_URL: db.url, NODE_DATA_DIR: db.dataDir },
      stdin: "pipe", stdout: "pipe", stderr: "inherit",
    });
    const n = new Node(proc);
    const ready = await n.until((l) => l.ready);
    n.port = ready.port;
    return n;
  }
  async until(pred: (line: any) => boolean, ms = 10_000): Promise<any> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`node: timed out; lines: ${JSON.stringify(this.lines)}`);
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), Bun.sleep(100)]);
    }
  }
  async run(cmd: Record<string, unknown>) {
    const seq = ++this.seq;
    (this.proc.stdin as import("bun").FileSink).write(JSON.stringify({ ...cmd, seq }) + "\n");
    (this.proc.stdin as import("bun").FileSink).flush();
    await this.until((l) => l.done === seq);
  }
}

const pgOnly = DIALECTS.includes("pg") ? describe : describe.skip;

pgOnly("two nodes on one Postgres database [pg]", () => {
  let db: FreshDb;
  let setup: App;
  let a: Node, b: Node;
  let realmId = 0;
  let user: { email: string; apiKey: string; id: number };
  let other: { email: string; apiKey: string; id: number };
  const auth = (u: { email: string; apiKey: string }) => "Basic " + Buffer.from(`${u.email}:${u.apiKey}`).toString("base64");
  const api = async (n: Node, method: string, path: string, u: typeof user, params: Record<string, unknown> = {}) => {
    const url = new URL(`http://127.0.0.1:${n.port}/api/v1${path}`);
    const enc = Object.entries(params).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)] as [string, string]);
    let body: URLSearchParams | undefined;
    if (method === "GET") for (const [k, v] of enc) url.searchParams.set(k, v);
    else body = new URLSearchParams(enc);
    const r = await fetch(url, { method, headers: { authorization: auth(u) }, body });
    return r.json() as Promise<any>;
  };

  beforeAll(async () => {
    db = await freshDatabase("pg");
    setup = await createApp(testConfig(db), { log: silentLogger, migrate: true });
    const realm = await createRealm(setup.deps, { name: "Two Nodes", subdomain: "" });
    realmId = realm.id;
    user = await createUser(setup.deps, { realmId, email: "ann@example.com", fullName: "Ann" });
    other = await createUser(setup.deps, { realmId, email: "bob@example.com", fullName: "Bob" });
    await setup.stop();
    [a, b] = await Promise.all([Node.spawn(db), Node.spawn(db)]);
  }, 60_000);

  afterAll(async () => {
    for (const n of [a, b]) n?.proc.kill();
    await Promise.all([a?.proc.exited, b?.proc.exited]);
    await db?.drop().catch(() => {});
  }, 30_000);

  test("the nodes are separate processes with separate cluster links", () => {
    expect(a.proc.pid).not.toBe(b.proc.pid);
    expect(a.port).not.toBe(b.port);
  });

  test("a change made on node A reaches a long-poll held on node B, and only its recipients", async () => {
    const reg = await api(b, "POST", "/register", user, { event_types: ["realm"] });
    const regOther = await api(b, "POST", "/register", other, { event_types: ["realm"] });
    expect(reg.result).toBe("success");
    const held = api(b, "GET", "/events", user, { queue_id: reg.queue_id, last_event_id: reg.last_event_id });
    await Bun.sleep(100);
    await a.run({ cmd: "emit", envelope: { event: { type: "realm", op: "update", property: "name", value: "From A" }, userIds: [user.id] } });
    const got = await held;
    expect(got.events.map((e: any) => e.value)).toEqual(["From A"]);
    validateEvent(got.events[0]);
    const none = await api(b, "GET", "/events", other, { queue_id: regOther.queue_id, last_event_id: regOther.last_event_id, dont_block: true });
    expect(none.events).toEqual([]);
  });

  test("a change made on node A is pushed to a WebSocket on node B; a big batch goes through the spill table", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${b.port}/ws`, { headers: { authorization: auth(user) } } as never);
    const frames: any[] = [];
    ws.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
    await new Promise((r) => (ws.onopen = r));
    ws.send(JSON.stringify({ op: "register", event_types: ["realm"], fetch_event_types: ["realm"] }));
    const wait = async (n: number) => {
      for (let i = 0; i < 100 && frames.length < n; i++) await Bun.sleep(50);
      return frames;
    };
    await wait(1);
    expect(frames[0]).toMatchObject({ op: "register", result: "success", realm_name: "Two Nodes" });
    await a.run({ cmd: "rename", realmId, name: "Renamed on A" });
    await wait(2);
    expect(frames[1]).toMatchObject({ type: "realm", op: "update", property: "name", value: "Renamed on A" });
    const big = "y".repeat(20_000);
    await a.run({ cmd: "emit", envelope: { event: { type: "realm", op: "update", property: "description", value: big }, userIds: [user.id] } });
    await wait(3);
    expect(frames[2].value).toBe(big);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const [{ n }] = await sql`select count(*)::int as n from event_spill`;
    await sql.end();
    expect(n).toBeGreaterThanOrEqual(1);
    ws.close();
  });

  test("register on node B includes a change committed on A before it, and not again as an event", async () => {
    await a.run({ cmd: "rename", realmId, name: "Before register" });
    const reg = await api(b, "POST", "/register", user, { event_types: ["realm"], fetch_event_types: ["realm"] });
    expect(reg.realm_name).toBe("Before register");
    await Bun.sleep(200);
    const r = await api(b, "GET", "/events", user, { queue_id: reg.queue_id, last_event_id: reg.last_event_id, dont_block: true });
    expect(r.events).toEqual([]);
  });

  test("a node that starts with a new version sends restart events to the queues of the other nodes", async () => {
    const reg = await api(b, "POST", "/register", user, { event_types: ["restart"], fetch_event_types: [] });
    const filtered = await api(b, "POST", "/register", user, { event_types: ["realm"], fetch_event_types: [] });
    await a.run({ cmd: "restart", featureLevel: 999 });
    await Bun.sleep(200);
    const r = await api(b, "GET", "/events", user, { queue_id: reg.queue_id, last_event_id: reg.last_event_id, dont_block: true });
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ type: "restart", zulip_feature_level: 999 });
    validateEvent(r.events[0]);
    const f = await api(b, "GET", "/events", user, { queue_id: filtered.queue_id, last_event_id: filtered.last_event_id, dont_block: true });
    expect(f.events).toEqual([]);
  });

  test("cache invalidations reach every node", async () => {
    await a.run({ cmd: "invalidate", ids: [7, 8] });
    const hit = await b.until((l) => l.invalidated === "user");
    expect(hit.ids).toEqual([7, 8]);
  });
});
