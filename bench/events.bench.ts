// Event delivery benchmark (loopback only, bounded in time). Results: docs/performance-events.md.
//
//   bun bench/events.bench.ts [--clients 1000] [--pollers 200] [--idle 10000] [--events 100]
//
// Phase 1 (latency/throughput): `clients` WebSocket clients and `pollers` long-poll
// clients registered on one server process; the server emits `events` events to all
// users, 10 ms apart, each stamped with its send time; every client records the
// end-to-end latency of every event. Then a burst of `events` events without pauses
// measures deliveries per second.
// Phase 2 (memory): a fresh server; RSS (after GC) before and after `idle` WebSocket
// clients have registered a queue each and sit idle; the difference per connection.
import { join } from "node:path";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const CLIENTS = arg("clients", 1000);
const POLLERS = arg("pollers", 200);
const IDLE = arg("idle", 10_000);
const EVENTS = arg("events", 100);
const USERS = 100;

class ServerProc {
  proc!: ReturnType<typeof Bun.spawn>;
  port = 0;
  users: { id: number; email: string; apiKey: string }[] = [];
  private lines: any[] = [];
  private seq = 0;
  static async start(users: number) {
    const s = new ServerProc();
    s.proc = Bun.spawn([process.execPath, join(import.meta.dir, "events-server.ts"), String(users)], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    (async () => {
      let buf = "";
      for await (const c of s.proc.stdout as unknown as AsyncIterable<Uint8Array>) {
        buf += new TextDecoder().decode(c);
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          s.lines.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      }
    })();
    const ready = await s.wait((l) => l.ready);
    s.port = ready.port;
    s.users = ready.users;
    return s;
  }
  async wait(pred: (l: any) => boolean) {
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      await Bun.sleep(20);
    }
  }
  async cmd(c: Record<string, unknown>) {
    const seq = ++this.seq;
    const sink = this.proc.stdin as import("bun").FileSink;
    sink.write(JSON.stringify({ ...c, seq }) + "\n");
    sink.flush();
    return this.wait((l) => l.seq === seq);
  }
}

const auth = (u: { email: string; apiKey: string }) => "Basic " + Buffer.from(`${u.email}:${u.apiKey}`).toString("base64");

/** Opens n WebSockets and registers a queue on each (bounded concurrency). */
async function openSockets(s: ServerProc, n: number, onEvent: (value: string) => void): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  const one = (i: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { authorization: auth(s.users[i % s.users.length]!) } } as never);
      ws.onopen = () => ws.send(JSON.stringify({ op: "register", event_types: ["realm"], fetch_event_types: [] }));
      ws.onerror = () => reject(new Error("ws error"));
      ws.onmessage = (m) => {
        const f = JSON.parse(String(m.data));
        if (f.op === "register") {
          if (f.result !== "success") reject(new Error(JSON.stringify(f)));
          else resolve(ws);
        } else if (f.result === undefined) onEvent(f.value);
      };
    });
  for (let i = 0; i < n; i += 250) {
    const batch = await Promise.all(Array.from({ length: Math.min(250, n - i) }, (_, k) => one(i + k)));
    sockets.push(...batch);
  }
  return sockets;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- phase 1
{
  const s = await ServerProc.start(USERS);
  const wsLat: number[] = [];
  const lpLat: number[] = [];
  let burstCount = 0;
  let measuring = true;
  const onWs = (v: string) => (measuring ? wsLat.push(now() - Number(v)) : burstCount++);
  const sockets = await openSockets(s, CLIENTS, onWs);
  // Long-poll clients: register over HTTP, then poll in a loop.
  let polling = true;
  const pollers = await Promise.all(
    Array.from({ length: POLLERS }, async (_, i) => {
      const u = s.users[i % s.users.length]!;
      const r = await fetch(`http://127.0.0.1:${s.port}/api/v1/register`, {
        method: "POST", headers: { authorization: auth(u) }, body: new URLSearchParams({ event_types: '["realm"]', fetch_event_types: "[]" }),
      }).then((r) => r.json() as Promise<any>);
      return { u, queue: r.queue_id as string, last: r.last_event_id as number };
    }),
  );
  const loops = pollers.map(async (p) => {
    while (polling) {
      const url = `http://127.0.0.1:${s.port}/api/v1/events?queue_id=${p.queue}&last_event_id=${p.last}`;
      const r = (await fetch(url, { headers: { authorization: auth(p.u) } }).then((r) => r.json())) as any;
      const t = now();
      for (const e of r.events ?? []) {
        p.last = Math.max(p.last, e.id);
        if (e.type === "realm" && measuring) lpLat.push(t - Number(e.value));
      }
    }
  });
  await Bun.sleep(300);
  await s.cmd({ cmd: "emit", n: EVENTS, intervalMs: 10 });
  await Bun.sleep(500);
  measuring = false;
  const burstStart = now();
  await s.cmd({ cmd: "emit", n: EVENTS, intervalMs: 0 });
  const expected = EVENTS * CLIENTS;
  while (burstCount < expected && now() - burstStart < 20_000) await Bun.sleep(5);
  const burstMs = now() - burstStart;
  const stats = (await s.cmd({ cmd: "gc" })).stats;
  polling = false;
  console.log(JSON.stringify({
    phase: "latency",
    ws_clients: CLIENTS, longpoll_clients: POLLERS, events: EVENTS,
    ws_latency_ms: { n: wsLat.length, p50: +pct(wsLat, 50).toFixed(2), p99: +pct(wsLat, 99).toFixed(2), max: +pct(wsLat, 100).toFixed(2) },
    longpoll_latency_ms: { n: lpLat.length, p50: +pct(lpLat, 50).toFixed(2), p99: +pct(lpLat, 99).toFixed(2), max: +pct(lpLat, 100).toFixed(2) },
    burst: { ws_deliveries: burstCount, ms: Math.round(burstMs), deliveries_per_s: Math.round(burstCount / (burstMs / 1000)) },
    server_stats: stats,
  }, null, 1));
  for (const ws of sockets) ws.close();
  await s.cmd({ cmd: "stop" }).catch(() => {});
  await Promise.race([Promise.all(loops), Bun.sleep(1000)]);
}

// ---------------------------------------------------------------- phase 2
{
  const s = await ServerProc.start(USERS);
  const before = await s.cmd({ cmd: "gc" });
  const t0 = now();
  const sockets = await openSockets(s, IDLE, () => {});
  const openMs = now() - t0;
  await Bun.sleep(500);
  const after = await s.cmd({ cmd: "gc" });
  console.log(JSON.stringify({
    phase: "memory",
    idle_ws_clients: IDLE,
    connect_and_register_ms: Math.round(openMs),
    server_rss_before_mb: +(before.rss / 2 ** 20).toFixed(1),
    server_rss_after_mb: +(after.rss / 2 ** 20).toFixed(1),
    rss_per_connection_kb: +((after.rss - before.rss) / IDLE / 1024).toFixed(2),
    heap_per_connection_kb: +((after.heap - before.heap) / IDLE / 1024).toFixed(2),
    server_stats: after.stats,
  }, null, 1));
  for (const ws of sockets) ws.close();
  await s.cmd({ cmd: "stop" }).catch(() => {});
}
process.exit(0);
