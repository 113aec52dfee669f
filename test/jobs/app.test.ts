// Wiring in the app: `start()` runs workers and the scheduler unless workers: false
// (`serve --no-workers`); `stop()` finishes or releases claimed jobs before closing.
import { expect, test } from "bun:test";
import { DIALECTS, freshDatabase } from "../helpers/db.ts";
import { testConfig } from "../helpers/app.ts";
import { createApp } from "../../src/app/app.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { getJob } from "../../src/db/repo/jobs.ts";
import { openStore } from "../../src/db/client.ts";
import { waitFor } from "./helpers.ts";

for (const dialect of DIALECTS) {
  test(`serve runs workers by default; --no-workers does not; stop releases a running job [${dialect}]`, async () => {
    const db = await freshDatabase(dialect);
    try {
      const quiet = await createApp(testConfig(db), { migrate: true, log: silentLogger, workers: false });
      await quiet.start();
      expect(quiet.jobs.runner).toBeNull();
      expect((await quiet.jobs.stats()).worker.running).toBe(false);
      const parked = (await quiet.jobs.enqueue("app_hang", {}))!;
      await quiet.stop({ graceMs: 100 });

      const app = await createApp(testConfig(db), { migrate: false, log: silentLogger });
      let started = 0;
      app.jobs.handle("app_hang", (ctx) => {
        started++;
        return new Promise<void>((res) => ctx.signal.addEventListener("abort", () => res()));
      });
      await app.start();
      expect(app.jobs.runner!.isRunning).toBe(true);
      expect(app.jobs.scheduler!.isLeader).toBe(true);
      await waitFor(() => started === 1, { what: "job started by serve's workers" });
      await app.stop({ graceMs: 200 });

      const store = await openStore({ url: db.url, dataDir: db.dataDir });
      try {
        const j = (await getJob(store, parked))!;
        expect(j.state).toBe("pending");
        expect(j.attempts).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  }, 60_000);
}
