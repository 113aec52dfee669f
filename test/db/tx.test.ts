// withTx behaves the same on both dialects: a throw after an await rolls back, afterCommit
// runs only after a successful commit, nested calls join the outer transaction, and
// concurrent transactions do not interleave their writes.
import { test, expect, describe, beforeAll, afterAll } from "bun:test";
import { eq } from "drizzle-orm";
import { openStore } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import type { Store } from "../../src/db/types.ts";
import { DIALECTS, freshDatabase, type FreshDb } from "../helpers/db.ts";

for (const dialect of DIALECTS) {
  describe(`withTx [${dialect}]`, () => {
    let db: FreshDb;
    let store: Store;
    beforeAll(async () => {
      db = await freshDatabase(dialect);
      store = await openStore({ url: db.url, dataDir: db.dataDir });
      await migrate(store);
    });
    afterAll(async () => {
      await store.close();
      await db.drop();
    });

    const get = async (key: string) =>
      (await store.db.select().from(store.t.serverSettings).where(eq(store.t.serverSettings.key, key)))[0];

    test("commits and then runs afterCommit callbacks", async () => {
      const seen: string[] = [];
      await store.withTx(async (tx) => {
        await tx.db.insert(tx.t.serverSettings).values({ key: "a", value: { n: 1 } });
        tx.afterCommit(() => void seen.push("after"));
        seen.push("inside");
      });
      expect(seen).toEqual(["inside", "after"]);
      expect((await get("a"))?.value).toEqual({ n: 1 });
    });

    test("an error thrown after an await rolls back, and afterCommit never runs", async () => {
      let ran = false;
      await expect(
        store.withTx(async (tx) => {
          await tx.db.insert(tx.t.serverSettings).values({ key: "b", value: 1 });
          await new Promise((r) => setTimeout(r, 5));
          await tx.db.insert(tx.t.serverSettings).values({ key: "b2", value: 2 });
          tx.afterCommit(() => void (ran = true));
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await get("b")).toBeUndefined();
      expect(await get("b2")).toBeUndefined();
      expect(ran).toBe(false);
    });

    test("a constraint violation rolls back the earlier writes of the same transaction", async () => {
      await expect(
        store.withTx(async (tx) => {
          await tx.db.insert(tx.t.serverSettings).values({ key: "c", value: 1 });
          await tx.db.insert(tx.t.serverSettings).values({ key: "a", value: 2 }); // duplicate key
        }),
      ).rejects.toThrow();
      expect(await get("c")).toBeUndefined();
    });

    test("nested withTx joins the outer transaction", async () => {
      await expect(
        store.withTx(async () => {
          await store.withTx(async (inner) => {
            await inner.db.insert(inner.t.serverSettings).values({ key: "n", value: 1 });
          });
          throw new Error("outer fails");
        }),
      ).rejects.toThrow("outer fails");
      expect(await get("n")).toBeUndefined();
    });

    test("concurrent transactions are isolated (read-modify-write does not lose updates)", async () => {
      await store.withTx((tx) => tx.db.insert(tx.t.serverSettings).values({ key: "counter", value: 0 }));
      const bump = () =>
        store.withTx(async (tx) => {
          const q = tx.db.select().from(tx.t.serverSettings).where(eq(tx.t.serverSettings.key, "counter"));
          const rows = tx.kind === "pg" ? await (q as any).for("update") : await q;
          await new Promise((r) => setTimeout(r, 1));
          await tx.db.update(tx.t.serverSettings).set({ value: (rows[0].value as number) + 1 }).where(eq(tx.t.serverSettings.key, "counter"));
        });
      await Promise.all(Array.from({ length: 20 }, bump));
      expect((await get("counter"))?.value).toBe(20);
    });

    test("afterCommit callbacks may open their own transaction", async () => {
      await store.withTx(async (tx) => {
        tx.afterCommit(async () => {
          await store.withTx((t2) => t2.db.insert(t2.t.serverSettings).values({ key: "from-callback", value: true }));
        });
      });
      expect((await get("from-callback"))?.value).toBe(true);
    });
  });
}
