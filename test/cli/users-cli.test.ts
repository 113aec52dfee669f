// The operator's `hearth user …`, `invite create`, `audit list`, `realm deactivate`, run
// as separate processes like a user would.
import { test, expect } from "bun:test";
import { join } from "node:path";
import { DIALECTS, freshDatabase } from "../helpers/db.ts";

const root = join(import.meta.dir, "../..");
function hearth(args: string[], env: Record<string, string>, cwd: string) {
  const r = Bun.spawnSync([process.execPath, join(root, "src/main.ts"), ...args], { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, ...env } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

for (const dialect of DIALECTS) {
  test(`user admin commands [${dialect}]`, async () => {
    const db = await freshDatabase(dialect);
    const env = { DATABASE_URL: db.url, HEARTH_DATA_DIR: join(db.dataDir, "data") };
    const h = (...a: string[]) => hearth(a, env, db.dataDir);
    try {
      expect(h("user", "create", "--email", "boss@example.com", "--full-name", "Boss", "--role", "owner", "--password", "correct horse battery").code).toBe(0);
      expect(h("user", "create", "--email", "worker@example.com", "--full-name", "Worker").code).toBe(0);
      expect(h("user", "set-role", "--email", "worker@example.com", "--role", "admin").code).toBe(0);
      // the last owner cannot be demoted or deactivated, even by the operator
      const demote = h("user", "set-role", "--email", "boss@example.com", "--role", "member");
      expect(demote.code).toBe(1);
      expect(demote.err).toContain("only organization owner");
      expect(h("user", "deactivate", "--email", "boss@example.com").code).toBe(1);
      expect(h("user", "deactivate", "--email", "worker@example.com").code).toBe(0);
      const list = JSON.parse(h("user", "list", "--json").out);
      expect(list.find((u: any) => u.email === "worker@example.com")).toMatchObject({ role: 200, is_active: false });
      expect(h("user", "reactivate", "--email", "worker@example.com").code).toBe(0);
      expect(h("user", "reset-password", "--email", "worker@example.com", "--password", "another long password").code).toBe(0);
      expect(h("user", "reset-password", "--email", "worker@example.com", "--password", "short").code).toBe(1);
      const link = h("invite", "create", "--by", "boss@example.com", "--link", "--role", "guest");
      expect(link.code).toBe(0);
      expect(link.out).toMatch(/\/join\/[A-Za-z0-9]+\/\n$/);
      const audit = JSON.parse(h("audit", "list", "--json").out);
      expect(audit.map((a: any) => a.event_type)).toEqual(expect.arrayContaining(["user_created", "user_role_changed", "user_deactivated", "user_reactivated", "user_password_changed", "invite_created"]));
      expect(JSON.stringify(audit)).not.toContain("another long password");
      expect(h("realm", "deactivate").code).toBe(2);
      expect(h("realm", "deactivate", "--yes").code).toBe(0);
    } finally {
      await db.drop();
    }
  }, 120_000);
}
