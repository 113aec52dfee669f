// Backups follow the configured uploads directory (HEARTH_LOCAL_UPLOADS_DIR), not a fixed
// <data_dir>/uploads: what is stored there is archived (bodies still being received are
// not), and a restore writes it back to the configured directory of the target.
import { test, expect } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { forEachDialect } from "../helpers/app.ts";
import { freshDatabase } from "../helpers/db.ts";
import { openStore } from "../../src/db/client.ts";
import { createBackup } from "../../src/ops/backup/backup.ts";
import { restoreBackup } from "../../src/ops/backup/restore.ts";

const uploadsDir = mkdtempSync(join(tmpdir(), "hearth-custom-uploads-"));

forEachDialect("backup with a custom uploads directory", (t) => {
  test("the configured directory is archived (not .incoming) and restored to the target's directory", async () => {
    const own = join(uploadsDir, t.dialect);
    (t.app.config as { localUploadsDir: string }).localUploadsDir = own;
    mkdirSync(join(own, "1/ab/xyz"), { recursive: true });
    mkdirSync(join(own, ".incoming"), { recursive: true });
    writeFileSync(join(own, "1/ab/xyz/report.pdf"), "pdf bytes");
    writeFileSync(join(own, ".incoming/partial"), "half a body");
    const archive = join(t.db.dataDir, "b.tar.gz");
    await createBackup(t.store, t.app.config, archive);

    const target = await freshDatabase(t.dialect);
    const store = await openStore({ url: target.url, dataDir: target.dataDir });
    const restoredUploads = join(target.dataDir, "elsewhere");
    try {
      await restoreBackup(store, archive, { dataDir: target.dataDir, uploadsDir: restoredUploads });
      expect(readFileSync(join(restoredUploads, "1/ab/xyz/report.pdf"), "utf8")).toBe("pdf bytes");
      expect(existsSync(join(restoredUploads, ".incoming/partial"))).toBe(false);
      expect(existsSync(join(target.dataDir, "uploads/1/ab/xyz/report.pdf"))).toBe(false);
    } finally {
      await store.close();
      await target.drop();
    }
  });
});
