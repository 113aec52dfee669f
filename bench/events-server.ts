// The server side of bench/events.bench.ts: a real Hearth (createApp, SQLite in a temp
// directory) in its own process, so its RSS is the server's alone. Commands arrive as JSON
// lines on stdin; replies are JSON lines on stdout.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app/app.ts";
import { loadConfig } from "../src/config/load.ts";
import { silentLogger } from "../src/lib/log.ts";
import { createRealm } from "../src/actions/realms.ts";
import { createUser } from "../src/actions/users.ts";
import { inTx } from "../src/actions/tx.ts";

const nUsers = Number(process.argv[2] ?? 100);
const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
const config = loadConfig({
  env: {}, configFile: null,
  overrides: { dataDir: dir, port: 0, externalHost: "testserver", secretKey: "bench-secret-key-bench-secret-key", eventHeartbeatSeconds: 45 },
});
const app = await createApp(config, { log: silentLogger, migrate: true });
const realm = await createRealm(app.deps, { name: "Bench", subdomain: "" });
const users: { id: number; email: string; apiKey: string }[] = [];
for (let i = 0; i < nUsers; i++) {
  const u = await createUser(app.deps, { realmId: realm.id, email: `b${i}@example.com`, fullName: `B ${i}` });
  users.push({ id: u.id, email: u.email, apiKey: u.apiKey });
}
const server = await app.start();
const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
out({ ready: true, port: server.port, users });
const ids = users.map((u) => u.id);

let buf = "";
for await (const chunk of Bun.stdin.stream() as unknown as AsyncIterable<Uint8Array>) {
  buf += new TextDecoder().decode(chunk);
  let i: number;
  while ((i = buf.indexOf("\n")) >= 0) {
    const cmd = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    if (cmd.cmd === "gc") {
      Bun.gc(true);
      await Bun.sleep(200);
      Bun.gc(true);
      out({ seq: cmd.seq, rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, stats: app.events.stats() });
    } else if (cmd.cmd === "emit") {
      // Each event carries its send time; one transaction per event, like an action.
      for (let k = 0; k < cmd.n; k++) {
        await inTx(app.deps, async (tx) =>
          tx.notify({ type: "realm", op: "update", property: "description", value: String(performance.timeOrigin + performance.now()) }, ids, realm.id),
        );
        if (cmd.intervalMs) await Bun.sleep(cmd.intervalMs);
      }
      out({ seq: cmd.seq, stats: app.events.stats() });
    } else if (cmd.cmd === "stop") {
      await app.stop({ graceMs: 200 });
      rmSync(dir, { recursive: true, force: true });
      out({ seq: cmd.seq });
      process.exit(0);
    }
  }
}
