// The storage model's promise: one message costs the same rows whatever the number of
// recipients (docs/storage.md). Counted over every table of the schema.
import { test, expect } from "bun:test";
import { sql } from "drizzle-orm";
import { forEachDialect } from "../helpers/app.ts";
import { createUser } from "../../src/actions/users.ts";
import { subscribe } from "../../src/actions/streams.ts";
import { sendMessage } from "../../src/actions/messages.ts";
import * as schema from "../../src/db/schema/pg/index.ts";
import { getTableName, isTable } from "drizzle-orm";

forEachDialect("storage per message", (t) => {
  const tables = Object.values(schema).filter((v) => isTable(v)).map((v) => getTableName(v as never));

  async function rowCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const name of tables) {
      const rows = await t.store.dialect.all<{ n: number }>(t.store.db, sql.raw(`SELECT count(*) AS n FROM "${name}"`));
      out[name] = Number(rows[0]!.n);
    }
    return out;
  }
  const delta = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - a[k]!]).filter(([, d]) => d !== 0));

  test("a message to a 2,000-subscriber stream writes the same rows as one to a 2-subscriber stream", async () => {
    const sender = await t.user({ fullName: "Sender" });
    const other = await t.user({ fullName: "Other" });
    const many: number[] = [];
    for (let i = 0; i < 2000; i++) {
      many.push((await createUser(t.deps, { realmId: t.realm.id, email: `bulk${i}@example.com`, fullName: `Bulk ${i}` })).id);
    }
    await subscribe(t.deps, sender, { streams: [{ name: "small" }], principals: [sender.id, other.id], authorizationErrorsFatal: true, inviteOnly: false, isWebPublic: false, isDefaultStream: false });
    await subscribe(t.deps, sender, { streams: [{ name: "big" }], principals: [sender.id, ...many], authorizationErrorsFatal: true, inviteOnly: false, isWebPublic: false, isDefaultStream: false });
    const input = (to: string) => ({ type: "stream" as const, to: [to], topic: "t", content: "hello", client: "website" });
    // warm up both streams (first_message_id, so both measured sends are steady-state)
    await sendMessage(t.deps, t.realm, sender, input("small"));
    await sendMessage(t.deps, t.realm, sender, input("big"));

    const a = await rowCounts();
    await sendMessage(t.deps, t.realm, sender, input("small"));
    const b = await rowCounts();
    await sendMessage(t.deps, t.realm, sender, input("big"));
    const c = await rowCounts();
    const small = delta(a, b);
    const big = delta(b, c);
    expect(big).toEqual(small);
    // one message row; the sender's read interval is extended in place, so no new row
    expect(small).toEqual({ messages: 1 });

    // and every one of the 2,000 still gets it, unread, in their unread_msgs
    const { unreadMsgs } = await import("../../src/actions/unreads.ts");
    const { userById } = await import("../../src/db/repo/users.ts");
    const u = (await userById(t.store, many[1999]!))!;
    const unread = await unreadMsgs(t.store, u);
    expect(unread.count).toBe(2);
  }, 240_000);
});
