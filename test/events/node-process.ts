// One Hearth node for the multi-node test: the real createApp on the DATABASE_URL given in
// the environment, listening on a free port. The test drives it over stdin with one JSON
// command per line (test-local actions) and reads one JSON line per reply on stdout.
import { createApp } from "../../src/app/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { emit, renameRealm } from "./helpers.ts";
import { currentVersion, restartEvent } from "../../src/events/restart.ts";

const config = loadConfig({
  env: {},
  configFile: null,
  overrides: {
    databaseUrl: process.env.NODE_DATABASE_URL, dataDir: process.env.NODE_DATA_DIR, port: 0,
    externalHost: "testserver", secretKey: "test-secret-key-for-hearth-tests-only", databasePoolSize: 3,
  },
});
const app = await createApp(config, { log: silentLogger, migrate: true });
const server = await app.start();
const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
app.bus.onInvalidate("user", (ids) => out({ invalidated: "user", ids }));
out({ ready: true, port: server.port, node: app.cluster?.nodeId });

let buf = "";
for await (const chunk of Bun.stdin.stream() as unknown as AsyncIterable<Uint8Array>) {
  buf += new TextDecoder().decode(chunk);
  let i: number;
  while ((i = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const cmd = JSON.parse(line);
    if (cmd.cmd === "rename") await renameRealm(app.deps, cmd.realmId, cmd.name);
    else if (cmd.cmd === "emit") await emit(app.deps, cmd.envelope);
    else if (cmd.cmd === "invalidate") app.bus.invalidate("user", cmd.ids);
    // what a node started with a new version does (createApp → recordServerVersion)
    else if (cmd.cmd === "restart") app.cluster?.restart(restartEvent({ ...currentVersion(), zulip_feature_level: cmd.featureLevel }));
    else if (cmd.cmd === "stop") {
      await app.stop({ graceMs: 500 });
      out({ done: cmd.seq });
      process.exit(0);
    }
    await app.cluster?.flushed();
    out({ done: cmd.seq });
  }
}
