// Shared by the ops tests: every table of the schema, read back field by field.
import { asc } from "drizzle-orm";
import type { Store } from "../../src/db/types.ts";
import { backupTables } from "../../src/ops/backup/tables.ts";
import { insertRealm } from "../../src/db/repo/realms.ts";
import { insertUser } from "../../src/db/repo/users.ts";

/** Every row of every table, ordered by primary key, as drizzle returns it (Date, boolean, JSON). */
export async function dumpAll(store: Store): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const t of backupTables()) {
    const table = (store.t as any)[t.exportName];
    const order = (t.primaryKey.length ? t.primaryKey : t.columns.map((c) => c.key)).map((k) => asc(table[k]));
    out[t.name] = (await store.db.select().from(table).orderBy(...order)) as Record<string, unknown>[];
  }
  return out;
}

let seq = 0;
/** One atomic group: a realm, three users and a counter, all in one transaction. */
export async function writeGroup(store: Store) {
  const n = ++seq;
  await store.withTx(async (tx) => {
    const realm = await insertRealm(tx, { name: `Load ${n}`, stringId: `load${n}-${process.pid}-${Date.now() % 100000}`, dateCreated: new Date() });
    for (let i = 0; i < 3; i++) {
      await insertUser(tx, {
        realmId: realm.id, email: `u${i}@load${n}.example`, deliveryEmail: `u${i}@load${n}.example`, fullName: `Load ${n}/${i}`,
        apiKey: `key-${realm.id}-${i}-${crypto.randomUUID()}`,
      });
    }
  });
}
